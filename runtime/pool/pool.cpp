// A pool of warm workers: a queue of submitted calls and one driver thread per worker, which
// takes the next call, runs it in its worker (worker.cpp), hands the outcome to the call's
// future, and replaces the worker when it died, was killed, or is due for retirement.
//
// The fast path: a call submitted while a worker is idle is sent by the submitting thread
// itself, and its reply is read by the thread that calls get() — the common fork_f(pool,
// ...).get() then crosses no thread of the pool's. The worker's driver takes the reply over
// when it is handed over: the future is dropped, waited on with a limit (wait_for, ready), the
// pool needs the worker for queued calls, or the pool shuts down.
#include <gofork/pool.hpp>

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
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
#include "channel/request_pool.hpp"
#include "pool/worker.hpp"
#include "process/process_state.hpp"
#include "unique_fd.hpp"

namespace gofork::detail {
namespace {

using clock = std::chrono::steady_clock;

// A call frame this small goes out at once on an idle worker's socket: the fast path.
constexpr std::size_t fast_frame_bytes = std::size_t{64} << 10;
// The argument buffers a pool keeps for its next big calls: one per worker, this much at most.
constexpr std::size_t max_kept_buffer_bytes = std::size_t{256} << 20;

}  // namespace

struct pool_job;

class pool_state {
 public:
  pool_state(std::size_t workers, pool_options opts);
  ~pool_state();

  // Null when `wait_for_room` is false and the queue is at queue_limit.
  process_state_ptr submit(const char* function_id, const argument_encoder& encoder, bool wait_for_room);
  void cancel(const std::shared_ptr<pool_job>& job);
  void shutdown();
  std::size_t size() const noexcept { return slots_.size(); }
  pool_stats stats() const;

 public:
  // What a slot's worker is doing: nothing; a call its submitter sent whose reply no one reads
  // yet; a call being run (sent and read by a driver, or read by the future's owner).
  enum class phase { idle, sent, running };

  struct slot {
    std::unique_ptr<runtime::worker> worker;
    std::size_t calls = 0;
    std::shared_ptr<pool_job> running;  // under the pool's mutex, with `state`
    phase state = phase::idle;
    bool handed_over = false;      // a sent call's reply is its driver's to read
    std::condition_variable wake;  // its driver: a queued call, a reply handed over, stopping
  };

  // The future's owner reads the reply of a call its submitter sent, when no one has yet.
  bool claim_reply(pool_job& job);
  // ... or gives it to the worker's driver, when no one will read it soon.
  void hand_over(pool_job& job);
  void receive(slot& s, pool_job& job);

 private:
  void drive(slot& s);
  void run(slot& s, pool_job& job);
  // After a call: the stats, the worker replaced or retired if it must be, the slot idle
  // again, the future told.
  void conclude(slot& s, pool_job& job, bool attempted, bool served);
  void notify_a_driver();
  // Starts the slot's worker if it has none; false (with `why`) if it cannot.
  bool ensure_worker(slot& s, std::string& why);
  void replace(slot& s, std::uint64_t pool_stats::*reason);
  static void finish(pool_job& job);
  // Big arguments travel in a memfd the worker maps. Once a worker has had one, the buffer is
  // never handed to anything but this pool's workers again (a worker lives on and could have
  // kept the descriptor), so the pool keeps its own, and closes them at its end.
  runtime::request_lease take_buffer(std::size_t size);
  void keep_buffer(runtime::request_lease buffer);
  void encode_into_buffer(pool_job& job, const char* function_id, const argument_encoder& encoder);

  const pool_options opts_;
  mutable std::mutex mutex_;
  std::condition_variable room_;  // the queue fell below queue_limit, or a first worker started
  std::deque<std::shared_ptr<pool_job>> queue_;
  bool stopping_ = false;
  std::size_t starting_ = 0;  // drivers still starting their first worker
  pool_stats stats_;
  std::vector<std::unique_ptr<slot>> slots_;
  std::vector<std::thread> drivers_;
  std::vector<runtime::request_lease> buffers_;  // under mutex_
};

// One submitted call, shared by the pool (until it ends) and its future.
struct pool_job {
  std::string frame;  // the call frame the worker reads
  runtime::request_lease arguments;  // a "GFCM" frame's arguments; otherwise empty
  // One not given back to the pool (a call cancelled in the queue) may have been a worker's.
  ~pool_job() { arguments.discard(); }
  std::optional<std::chrono::steady_clock::time_point> deadline;  // from call_timeout, once sent
  bool sent = false;  // whether the frame went out whole (fast path)
  runtime::call_outcome outcome;  // written by whoever runs the call until `done`
  pool_state::slot* slot = nullptr;  // where it runs once taken
  std::mutex mutex;
  std::condition_variable ended;
  bool done = false;       // under `mutex`
  bool claimable = false;  // under `mutex`: sent by another thread, its reply for the owner to read
  bool abandoned = false;  // under `mutex`: its future is gone
  bool owner_waiting = false;  // under `mutex`: its owner waits in get() or wait(), and reads a sent reply itself
  bool cancelled = false;  // under the pool's mutex
  pool_state* pool = nullptr;
  // Under `mutex`: an eventfd, made when a waiter polls this call (async.hpp), written whenever
  // `done` or `claimable` becomes true.
  runtime::unique_fd ended_signal;
  void signal_progress() {
    if (!ended_signal) return;
    const std::uint64_t one = 1;
    (void)!::write(ended_signal.get(), &one, sizeof one);
  }
};

namespace {

int arguments_fd(const pool_job& job) { return job.arguments ? job.arguments.fd() : -1; }

// The future's record of a pool call: it waits for the driver to finish, then takes the outcome.
class pooled_call final : public process_state {
 public:
  explicit pooled_call(std::shared_ptr<pool_job> job) : job_(std::move(job)) {}
  pooled_call(const pooled_call&) = delete;
  pooled_call& operator=(const pooled_call&) = delete;
  // A dropped future's call runs on: its reply is the driver's to read.
  ~pooled_call() override {
    {
      std::lock_guard<std::mutex> lock(job_->mutex);
      if (job_->done) return;
      job_->abandoned = true;
    }
    job_->pool->hand_over(*job_);  // the pool outlives every call that has not ended
  }
  int pidfd() const noexcept override { return -1; }  // a worker's pidfd is the pool's
  bool wait_until(std::optional<clock::time_point> until) override {
    consume_progress_signal();
    // A wait without a limit reads the reply itself whenever it can; one with a limit never
    // blocks on it, so the worker's driver reads it.
    struct waiting {
      pool_job& job;
      bool on;
      waiting(pool_job& j, bool limitless) : job(j), on(limitless) { set(on); }
      ~waiting() { set(false); }
      void set(bool value) {
        if (!on) return;
        std::lock_guard<std::mutex> lock(job.mutex);
        job.owner_waiting = value;
      }
    } marked(*job_, !until);
    for (;;) {
      if (!until && job_->pool->claim_reply(*job_)) {
        job_->pool->receive(*job_->slot, *job_);
      } else if (until && !ended()) {
        job_->pool->hand_over(*job_);
      }
      std::unique_lock<std::mutex> lock(job_->mutex);
      auto settled = [this] { return job_->done || job_->claimable; };
      if (until) {
        if (!job_->ended.wait_until(lock, *until, settled)) return false;
      } else {
        job_->ended.wait(lock, settled);
      }
      if (!job_->done) {
        job_->claimable = false;  // sent on its worker for us to read: go round and read it
        continue;
      }
      if (!taken_) {
        take_outcome(job_->outcome);
        taken_ = true;
      }
      return true;
    }
  }
  void kill(int) noexcept override {
    if (!ended()) job_->pool->cancel(job_);
  }
  void abandon() noexcept override {}
  void progress_fds(int (&fds)[4]) noexcept override {
    fds[0] = fds[1] = fds[2] = fds[3] = -1;
    std::lock_guard<std::mutex> lock(job_->mutex);
    if (!job_->ended_signal) {
      job_->ended_signal = runtime::unique_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
      if (job_->done || job_->claimable) job_->signal_progress();
    }
    fds[0] = job_->ended_signal ? job_->ended_signal.get() : -1;
  }

 private:
  void consume_progress_signal() {
    std::lock_guard<std::mutex> lock(job_->mutex);
    std::uint64_t count = 0;
    if (job_->ended_signal) (void)!::read(job_->ended_signal.get(), &count, sizeof count);
  }
  bool ended() const {
    std::lock_guard<std::mutex> lock(job_->mutex);
    return job_->done;
  }

  std::shared_ptr<pool_job> job_;
  bool taken_ = false;
};

}  // namespace

pool_state::pool_state(std::size_t workers, pool_options opts) : opts_(std::move(opts)) {
  workers = std::max<std::size_t>(workers, 1);
  for (std::size_t i = 0; i < workers; ++i) slots_.push_back(std::make_unique<slot>());
  starting_ = workers;
  try {
    for (auto& s : slots_) drivers_.emplace_back([this, raw = s.get()] { drive(*raw); });
  } catch (...) {
    shutdown();
    throw;
  }
  // Warm when constructed: every worker has started (or failed to, to be retried on a call).
  std::unique_lock<std::mutex> lock(mutex_);
  room_.wait(lock, [this] { return starting_ == 0; });
}

pool_state::~pool_state() {
  shutdown();
  for (runtime::request_lease& b : buffers_) b.discard();  // their workers are reaped
}

runtime::request_lease pool_state::take_buffer(std::size_t size) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto best = buffers_.end();
    for (auto it = buffers_.begin(); it != buffers_.end(); ++it) {
      if (it->capacity() >= size && (best == buffers_.end() || it->capacity() < best->capacity())) best = it;
    }
    if (best != buffers_.end()) {
      runtime::request_lease taken = std::move(*best);
      buffers_.erase(best);
      return taken;
    }
  }
  return runtime::acquire_request_buffer(size);  // a buffer no live process has seen
}

void pool_state::keep_buffer(runtime::request_lease buffer) {
  if (!buffer) return;
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t kept = buffer.capacity();
  for (const runtime::request_lease& b : buffers_) kept += b.capacity();
  if (buffers_.size() < slots_.size() && kept <= max_kept_buffer_bytes) {
    try {
      buffers_.push_back(std::move(buffer));
      return;
    } catch (...) {
      // No memory for the list: close it instead.
    }
  }
  buffer.discard();
}

// As a one-off call's request (launch/one_off_site.cpp), but the arguments alone, from offset 0.
void pool_state::encode_into_buffer(pool_job& job, const char* function_id, const argument_encoder& encoder) {
  job.arguments = take_buffer(encoder.size_hint);
  sink arguments(job.arguments.data(), job.arguments.capacity());
  encoder.encode(encoder.context, arguments);
  const std::size_t size = arguments.bytes().size();
  if (!arguments.in_external()) {
    runtime::request_lease bigger = take_buffer(size);
    std::memcpy(bigger.data(), arguments.bytes().data(), size);
    job.arguments.finish(0, arguments.external_written());
    keep_buffer(std::exchange(job.arguments, std::move(bigger)));
  }
  job.arguments.finish(size, size);
  job.frame = runtime::encode_call_prefix(function_id, size, true);
}

process_state_ptr pool_state::submit(const char* function_id, const argument_encoder& encoder, bool wait_for_room) {
  if (!wait_for_room && opts_.queue_limit != 0) {
    // A try on a full queue costs no encoding (checked again once encoded: it may fill meanwhile).
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_ && queue_.size() >= opts_.queue_limit) return nullptr;
  }
  auto job = std::make_shared<pool_job>();
  if (encoder.size_hint >= runtime::call_memfd_threshold) {
    encode_into_buffer(*job, function_id, encoder);
  } else {
    sink arguments(encoder.size_hint);
    encoder.encode(encoder.context, arguments);
    const std::string_view bytes = arguments.bytes();
    job->frame = runtime::encode_call_prefix(function_id, bytes.size());
    job->frame.append(bytes.data(), bytes.size());
  }
  job->pool = this;
  job->outcome.max_result_bytes = opts_.launch.max_result_bytes;
  if (opts_.call_timeout) job->outcome.timeout = *opts_.call_timeout;
  std::unique_lock<std::mutex> lock(mutex_);
  const auto has_room = [this] { return stopping_ || opts_.queue_limit == 0 || queue_.size() < opts_.queue_limit; };
  if (!wait_for_room && !has_room()) return nullptr;  // the frame is dropped: no call was made
  room_.wait(lock, has_room);
  if (stopping_) throw error(error_kind::spawn_failed, "gofork: the pool is shut down");
  process_state_ptr record(new pooled_call(job));
  slot* idle = nullptr;
  if (queue_.empty() && job->frame.size() <= fast_frame_bytes) {
    for (auto& s : slots_) {
      if (s->state == phase::idle && s->worker) {
        idle = s.get();
        break;
      }
    }
  }
  if (idle == nullptr) {
    queue_.push_back(std::move(job));
    notify_a_driver();
    // Workers held by replies no one is about to read are needed now: their drivers take them.
    for (auto& s : slots_) {
      if (s->state != phase::sent || s->handed_over) continue;
      std::lock_guard<std::mutex> job_lock(s->running->mutex);
      if (!s->running->owner_waiting) {
        s->handed_over = true;
        s->wake.notify_one();
      }
    }
    return record;
  }
  // The fast path: send it from here, and leave the reply to the future's owner.
  idle->state = phase::running;  // this thread's until the frame is out
  idle->running = job;
  job->slot = idle;
  if (opts_.call_timeout) job->deadline = deadline_after(*opts_.call_timeout);
  lock.unlock();
  job->sent = idle->worker->send(job->frame, arguments_fd(*job), job->outcome, job->deadline);
  lock.lock();
  idle->state = phase::sent;
  return record;
}

void pool_state::notify_a_driver() {
  for (auto& s : slots_) {
    if (s->state == phase::idle) {
      s->wake.notify_one();
      return;
    }
  }
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
    if (s->running == job && s->worker) s->worker->kill(SIGKILL);  // whoever reads sees its end
  }
}

void pool_state::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    for (auto& s : slots_) s->wake.notify_one();
  }
  room_.notify_all();
  for (std::thread& t : drivers_) {
    if (t.joinable()) t.join();
  }
}

pool_stats pool_state::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

bool pool_state::claim_reply(pool_job& job) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (job.slot == nullptr || job.slot->state != phase::sent || job.slot->running.get() != &job) return false;
  job.slot->state = phase::running;
  job.slot->handed_over = false;
  return true;
}

void pool_state::hand_over(pool_job& job) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (job.slot == nullptr || job.slot->state != phase::sent || job.slot->running.get() != &job) return;
  job.slot->handed_over = true;
  job.slot->wake.notify_one();
}

void pool_state::receive(slot& s, pool_job& job) {
  bool served = false;
  try {
    served = s.worker->receive(job.outcome, job.deadline, job.sent);
  } catch (const std::exception& e) {
    job.outcome.start_failure = std::string("gofork: the pool lost its worker: ") + e.what();
  }
  conclude(s, job, true, served);
}

void pool_state::drive(slot& s) {
  std::string why;
  ensure_worker(s, why);  // warm before the first call; a failure is retried then
  std::unique_lock<std::mutex> lock(mutex_);
  --starting_;
  room_.notify_all();
  for (;;) {
    if (s.state == phase::sent && (stopping_ || s.handed_over)) {
      // The reply of a call its submitter sent, handed over: read it here.
      s.state = phase::running;
      s.handed_over = false;
      std::shared_ptr<pool_job> job = s.running;
      lock.unlock();
      receive(s, *job);
      lock.lock();
      continue;
    }
    if (s.state == phase::idle && !queue_.empty()) {
      s.running = std::move(queue_.front());
      queue_.pop_front();
      s.state = phase::running;
      room_.notify_one();
      std::shared_ptr<pool_job> job = s.running;
      lock.unlock();
      run(s, *job);
      lock.lock();
      continue;
    }
    if (s.state == phase::idle && stopping_) break;  // every submitted call has been taken
    s.wake.wait(lock);
  }
  std::unique_ptr<runtime::worker> last = std::move(s.worker);
  lock.unlock();
  last.reset();  // retires it: the worker exits at the end of its channel and is reaped
}

void pool_state::run(slot& s, pool_job& job) {
  std::string why;
  bool cancelled_before = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_before = job.cancelled;
  }
  if (cancelled_before) {
    job.outcome.cancelled = true;  // cancelled between the queue and its worker: it never runs
    conclude(s, job, false, false);
    return;
  }
  if (!ensure_worker(s, why)) {
    job.outcome.start_failure = why;
    conclude(s, job, false, false);
    return;
  }
  if (opts_.call_timeout) job.deadline = deadline_after(*opts_.call_timeout);
  job.sent = s.worker->send(job.frame, arguments_fd(job), job.outcome, job.deadline);
  receive(s, job);
}

void pool_state::conclude(slot& s, pool_job& job, bool attempted, bool served) {
  bool cancelled = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
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
  keep_buffer(std::move(job.arguments));  // the worker unmapped it before replying, or is reaped
  std::shared_ptr<pool_job> next;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    s.running.reset();
    s.state = phase::idle;
    s.handed_over = false;
    if (!queue_.empty() && s.worker) {
      // The next queued call goes out on this worker now, from this thread, and its owner reads
      // the reply: one hand-off between threads instead of two through the driver.
      next = std::move(queue_.front());
      queue_.pop_front();
      room_.notify_one();
      s.running = next;
      s.state = phase::running;
      next->slot = &s;
      if (opts_.call_timeout) next->deadline = deadline_after(*opts_.call_timeout);
    } else if (!queue_.empty() || stopping_) {
      s.wake.notify_one();
    }
  }
  // The next call goes out before this one's owner is woken: a wake-up may preempt this thread,
  // and the worker would wait for it.
  if (next) next->sent = s.worker->send(next->frame, arguments_fd(*next), next->outcome, next->deadline);
  finish(job);
  if (!next) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    s.state = phase::sent;
    // Unless its owner already waits for it, its driver reads it: an owner may come late, or
    // never, while other calls need the worker.
    bool owner_reads = false;
    {
      std::lock_guard<std::mutex> job_lock(next->mutex);
      owner_reads = next->owner_waiting && !next->abandoned;
    }
    if (stopping_ || !owner_reads) s.handed_over = true;
    if (s.handed_over) s.wake.notify_one();
  }
  std::lock_guard<std::mutex> lock(next->mutex);
  next->claimable = true;
  next->signal_progress();
  next->ended.notify_all();
}

bool pool_state::ensure_worker(slot& s, std::string& why) {
  if (s.worker) return true;
  try {
    auto started = std::make_unique<runtime::worker>(opts_.launch, opts_.from_zygote);
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
  job.signal_progress();
  job.ended.notify_all();
}

process_state_ptr submit(pool& p, const char* function_id, const argument_encoder& encoder) {
  return p.state().submit(function_id, encoder, true);
}

process_state_ptr try_submit(pool& p, const char* function_id, const argument_encoder& encoder) {
  return p.state().submit(function_id, encoder, false);
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
