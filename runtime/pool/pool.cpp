// A pool of warm workers: a queue of submitted calls and one driver thread per worker, which
// takes the next call, runs it in its worker (worker.cpp), hands the outcome to the call's
// future, and replaces the worker when it died, was killed, or is due for retirement.
#include <gofork/pool.hpp>

#include <signal.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gofork/detail/wire/sink.hpp>
#include <gofork/error.hpp>

#include "channel/frame.hpp"
#include "pool/worker.hpp"
#include "process/process_state.hpp"

namespace gofork::detail {
namespace {

using clock = std::chrono::steady_clock;

}  // namespace

// One submitted call, shared by the pool (until it ends) and its future.
struct pool_job {
  std::string frame;  // the call frame the worker reads
  runtime::call_outcome outcome;  // written by a driver until `done`
  std::mutex mutex;
  std::condition_variable ended;
  bool done = false;       // under `mutex`
  bool cancelled = false;  // under the pool's mutex
  pool_state* pool = nullptr;
};

class pool_state {
 public:
  pool_state(std::size_t workers, pool_options opts);
  ~pool_state() { shutdown(); }

  process_state_ptr submit(const char* function_id, const argument_encoder& encoder);
  void cancel(const std::shared_ptr<pool_job>& job);
  void shutdown();
  std::size_t size() const noexcept { return slots_.size(); }
  pool_stats stats() const;

 private:
  struct slot {
    std::unique_ptr<runtime::worker> worker;
    std::size_t calls = 0;
    std::shared_ptr<pool_job> running;
  };

  void drive(slot& s);
  // The next queued call, marked as running in `s` (so a cancel finds it); null once the pool
  // is stopping and nothing is queued.
  std::shared_ptr<pool_job> next_job(slot& s);
  void run(slot& s, pool_job& job);
  // Starts the slot's worker if it has none; false (with `why`) if it cannot.
  bool ensure_worker(slot& s, std::string& why);
  void replace(slot& s, std::uint64_t pool_stats::*reason);
  static void finish(pool_job& job);

  const pool_options opts_;
  mutable std::mutex mutex_;
  std::condition_variable work_;  // a call was queued, or the pool is stopping
  std::condition_variable room_;  // the queue fell below queue_limit
  std::deque<std::shared_ptr<pool_job>> queue_;
  bool stopping_ = false;
  pool_stats stats_;
  std::vector<std::unique_ptr<slot>> slots_;
  std::vector<std::thread> drivers_;
};

namespace {

// The future's record of a pool call: it waits for the driver to finish, then takes the outcome.
class pooled_call final : public process_state {
 public:
  explicit pooled_call(std::shared_ptr<pool_job> job) : job_(std::move(job)) {}
  int pidfd() const noexcept override { return -1; }  // a worker's pidfd is the pool's
  bool wait_until(std::optional<clock::time_point> until) override {
    std::unique_lock<std::mutex> lock(job_->mutex);
    if (until) {
      if (!job_->ended.wait_until(lock, *until, [this] { return job_->done; })) return false;
    } else {
      job_->ended.wait(lock, [this] { return job_->done; });
    }
    if (!taken_) {
      take_outcome(job_->outcome);
      taken_ = true;
    }
    return true;
  }
  void kill(int) noexcept override {
    {
      std::lock_guard<std::mutex> lock(job_->mutex);
      if (job_->done) return;
    }
    job_->pool->cancel(job_);  // the pool outlives every call that has not ended
  }
  void abandon() noexcept override {}

 private:
  std::shared_ptr<pool_job> job_;
  bool taken_ = false;
};

}  // namespace

pool_state::pool_state(std::size_t workers, pool_options opts) : opts_(std::move(opts)) {
  workers = std::max<std::size_t>(workers, 1);
  for (std::size_t i = 0; i < workers; ++i) slots_.push_back(std::make_unique<slot>());
  try {
    for (auto& s : slots_) drivers_.emplace_back([this, raw = s.get()] { drive(*raw); });
  } catch (...) {
    shutdown();
    throw;
  }
}

process_state_ptr pool_state::submit(const char* function_id, const argument_encoder& encoder) {
  auto job = std::make_shared<pool_job>();
  {
    sink arguments(encoder.size_hint);
    encoder.encode(encoder.context, arguments);
    const std::string_view bytes = arguments.bytes();
    job->frame = runtime::encode_call_prefix(function_id, bytes.size());
    job->frame.append(bytes.data(), bytes.size());
  }
  job->pool = this;
  job->outcome.max_result_bytes = opts_.launch.max_result_bytes;
  if (opts_.call_timeout) job->outcome.timeout = *opts_.call_timeout;
  process_state_ptr record(new pooled_call(job));
  std::unique_lock<std::mutex> lock(mutex_);
  room_.wait(lock, [this] { return stopping_ || opts_.queue_limit == 0 || queue_.size() < opts_.queue_limit; });
  if (stopping_) throw error(error_kind::spawn_failed, "gofork: the pool is shut down");
  queue_.push_back(std::move(job));
  work_.notify_one();
  return record;
}

void pool_state::cancel(const std::shared_ptr<pool_job>& job) {
  std::lock_guard<std::mutex> lock(mutex_);
  job->cancelled = true;
  const auto queued = std::find(queue_.begin(), queue_.end(), job);
  if (queued != queue_.end()) {
    queue_.erase(queued);
    room_.notify_one();
    job->outcome.cancelled = true;
    ++stats_.calls;
    finish(*job);
    return;
  }
  for (auto& s : slots_) {
    if (s->running == job && s->worker) s->worker->kill(SIGKILL);  // its driver sees the end
  }
}

void pool_state::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  room_.notify_all();
  for (std::thread& t : drivers_) {
    if (t.joinable()) t.join();
  }
}

pool_stats pool_state::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

std::shared_ptr<pool_job> pool_state::next_job(slot& s) {
  std::unique_lock<std::mutex> lock(mutex_);
  work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  if (queue_.empty()) return nullptr;  // stopping, and every submitted call has been taken
  s.running = std::move(queue_.front());
  queue_.pop_front();
  room_.notify_one();
  return s.running;
}

void pool_state::drive(slot& s) {
  std::string why;
  ensure_worker(s, why);  // warm before the first call; a failure is retried then
  while (std::shared_ptr<pool_job> job = next_job(s)) run(s, *job);
  std::unique_ptr<runtime::worker> last;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    last = std::move(s.worker);
  }
  last.reset();  // retires it: the worker exits at the end of its channel and is reaped
}

void pool_state::run(slot& s, pool_job& job) {
  std::string why;
  bool served = false;
  bool attempted = false;
  bool cancelled_before = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_before = job.cancelled;
  }
  if (cancelled_before) {
    job.outcome.cancelled = true;  // cancelled between the queue and its worker: it never runs
  } else if (ensure_worker(s, why)) {
    std::optional<clock::time_point> deadline;
    if (opts_.call_timeout) deadline = clock::now() + *opts_.call_timeout;
    attempted = true;
    try {
      served = s.worker->call(job.frame, job.outcome, deadline);
    } catch (const std::exception& e) {
      job.outcome.start_failure = std::string("gofork: the pool lost its worker: ") + e.what();
    }
  } else {
    job.outcome.start_failure = why;
  }
  bool cancelled = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    s.running.reset();
    cancelled = job.cancelled;
    ++stats_.calls;
  }
  if (attempted && !served) {
    if (cancelled) job.outcome.cancelled = true;
    replace(s, &pool_stats::workers_lost);
  } else if (served) {
    ++s.calls;
    if (opts_.max_calls_per_worker != 0 && s.calls >= opts_.max_calls_per_worker) {
      replace(s, &pool_stats::retired_by_calls);
    } else if (opts_.max_worker_rss_bytes != 0 && s.worker->resident_bytes() >= opts_.max_worker_rss_bytes) {
      replace(s, &pool_stats::retired_by_rss);
    }
  }
  finish(job);
}

bool pool_state::ensure_worker(slot& s, std::string& why) {
  if (s.worker) return true;
  try {
    auto started = std::make_unique<runtime::worker>(opts_.launch);
    std::lock_guard<std::mutex> lock(mutex_);
    s.worker = std::move(started);
    s.calls = 0;
    ++stats_.workers_started;
    return true;
  } catch (const std::exception& e) {
    why = e.what();
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.workers_lost;
    return false;
  }
}

// Retires (or, when it is gone already, just releases) the slot's worker and starts the next.
void pool_state::replace(slot& s, std::uint64_t pool_stats::*reason) {
  std::unique_ptr<runtime::worker> old;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    old = std::move(s.worker);
    ++(stats_.*reason);
  }
  old.reset();
  std::string why;
  ensure_worker(s, why);
}

void pool_state::finish(pool_job& job) {
  std::lock_guard<std::mutex> lock(job.mutex);
  job.done = true;
  job.ended.notify_all();
}

process_state_ptr submit(pool& p, const char* function_id, const argument_encoder& encoder) {
  return p.state().submit(function_id, encoder);
}

bool state_done_within(process_state& state, std::chrono::nanoseconds limit) {
  const auto now = clock::now();
  const auto room = std::chrono::duration_cast<std::chrono::nanoseconds>(clock::time_point::max() - now);
  if (limit >= room) return state.wait_until(std::nullopt);
  return state.wait_until(now + std::chrono::duration_cast<clock::duration>(limit));
}

}  // namespace gofork::detail

namespace gofork {

pool::pool(std::size_t workers, pool_options opts)
    : state_(std::make_unique<detail::pool_state>(workers, std::move(opts))) {}
pool::pool(pool&&) noexcept = default;
pool& pool::operator=(pool&&) noexcept = default;
pool::~pool() = default;

void pool::shutdown() {
  if (state_) state_->shutdown();
}
std::size_t pool::size() const { return state().size(); }
pool_stats pool::stats() const { return state().stats(); }

detail::pool_state& pool::state() const {
  if (!state_) throw std::logic_error("gofork::pool: the pool is empty (moved from)");
  return *state_;
}

}  // namespace gofork
