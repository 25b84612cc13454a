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
// Calls sent ahead to a busy worker: this small, this many and these bytes at most, so they
// always fit in its socket and a send never waits for a worker busy with another call...
constexpr std::size_t ahead_frame_bytes = std::size_t{16} << 10;
constexpr std::size_t max_calls_ahead = 16;
constexpr std::size_t max_ahead_bytes = std::size_t{64} << 10;
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
  // What a slot's worker is doing, for the call at the front of `in_flight`: nothing; a call
  // sent whose reply no one reads yet; a call being run (sent and read by a driver, or read by
  // the future's owner). Only the thread that moved the slot to `running` sends on its worker.
  enum class phase { idle, sent, running };

  struct slot {
    std::unique_ptr<runtime::worker> worker;
    std::size_t calls = 0;
    // Under the pool's mutex, with `state`: the calls on the worker's channel in the order they
    // went out. A worker runs them in that order, so the front one runs and the rest (sent
    // ahead) have not started.
    std::deque<std::shared_ptr<pool_job>> in_flight;
    phase state = phase::idle;
    bool handed_over = false;      // a sent call's reply is its driver's to read
    std::uint64_t pool_stats::*retire_due = nullptr;  // retire the worker once its calls sent ahead end
    // Held by the one thread writing to the worker's channel. Taken only with the pool's mutex
    // held, as calls enter `in_flight` (so they go out in that order), and kept while sending
    // without it; a thread holding it never waits for the pool's mutex.
    std::mutex send_lock;
    std::condition_variable wake;  // its driver: a queued call, a reply handed over, stopping
  };

  // Calls to write to a slot's worker, in `in_flight` order, with its send lock held.
  struct outgoing {
    std::unique_lock<std::mutex> sending;
    std::vector<std::shared_ptr<pool_job>> calls;
    std::optional<clock::time_point> deadline;  // a send that waits for room waits no longer than the front call
  };

  // The future's owner reads the reply of a call its submitter sent, when no one has yet.
  bool claim_reply(pool_job& job);
  // ... or gives it to the worker's driver, when no one will read it soon.
  void hand_over(pool_job& job);
  void receive(slot& s, pool_job& job);

 private:
  void drive(slot& s);
  void run(slot& s, const std::shared_ptr<pool_job>& job);
  // After a call: the stats, the worker replaced or retired if it must be, the next call on
  // the slot (one sent ahead, or the queue's first) given a reader, the future told.
  void conclude(slot& s, pool_job& job, bool attempted, bool served);
  // Under mutex_, with `out`'s lock held: moves the queued calls that may go out ahead on the
  // slot's worker now (may_send_ahead) into its `in_flight` and `out`, and bounds the sends by
  // the front call's deadline.
  void take_ahead(slot& s, outgoing& out);
  bool may_send_ahead(const slot& s) const;
  // Without mutex_: writes `out`'s calls, then releases the send lock.
  void send_out(slot& s, outgoing& out);
  // Under mutex_ and the send lock: the slot's calls sent ahead of its front one back to the
  // queue, unstarted.
  void requeue_behind(slot& s);
  void notify_a_driver();
  // Starts the slot's worker if it has none; false (with `why`) if it cannot.
  bool ensure_worker(slot& s, std::string& why);
  // Retires (or, when it is gone already, collects) the slot's worker and starts the next.
  // `failed`: the call the worker failed, whose outcome learns how it ended. `answered`: the
  // worker replied to its call in front, so it may have started the calls sent ahead behind.
  void replace(slot& s, std::uint64_t pool_stats::*reason, runtime::call_outcome* failed, bool answered);
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
  double recent_call_seconds_ = -1;  // under mutex_: a running average of calls' time; -1 before one
  // Under mutex_: calls sent ahead that have not reached their worker's front. They wait as
  // queued calls do, and count against queue_limit with them.
  std::size_t waiting_ahead_ = 0;
  std::size_t waiting() const { return queue_.size() + waiting_ahead_; }
};

// One submitted call, shared by the pool (until it ends) and its future.
struct pool_job {
  std::string frame;  // the call frame the worker reads
  runtime::request_lease arguments;  // a "GFCM" frame's arguments; otherwise empty
  // One not given back to the pool (a call cancelled in the queue) may have been a worker's.
  ~pool_job() { arguments.discard(); }
  std::optional<std::chrono::steady_clock::time_point> deadline;  // from call_timeout, once at its slot's front
  std::chrono::steady_clock::time_point front_since;  // when it reached its slot's front
  bool sent = false;  // whether the frame went out whole (written under its slot's send lock)
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
    if (!stopping_ && waiting() >= opts_.queue_limit) return nullptr;
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
  const auto has_room = [this] { return stopping_ || opts_.queue_limit == 0 || waiting() < opts_.queue_limit; };
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
      std::lock_guard<std::mutex> job_lock(s->in_flight.front()->mutex);
      if (!s->in_flight.front()->owner_waiting) {
        s->handed_over = true;
        s->wake.notify_one();
      }
    }
    // A worker busy with a short call takes this one ahead, sent from here at once, unless
    // another is sending to it.
    for (auto& s : slots_) {
      outgoing out{std::unique_lock<std::mutex>(s->send_lock, std::try_to_lock), {}, {}};
      if (!out.sending) continue;
      take_ahead(*s, out);
      if (out.calls.empty()) continue;
      lock.unlock();
      send_out(*s, out);
      break;
    }
    return record;
  }
  // The fast path: send it from here, and leave the reply to the future's owner.
  idle->state = phase::running;
  job->slot = idle;
  job->front_since = clock::now();
  if (opts_.call_timeout) job->deadline = deadline_after(*opts_.call_timeout);
  idle->in_flight.push_back(job);
  outgoing out{std::unique_lock<std::mutex>(idle->send_lock), {job}, job->deadline};  // free: the worker had no call
  lock.unlock();
  send_out(*idle, out);
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
  // Running: end its worker (whoever reads sees its end). Sent ahead behind another call:
  // conclude ends it when it reaches the front.
  for (auto& s : slots_) {
    if (!s->in_flight.empty() && s->in_flight.front() == job && s->worker) s->worker->kill(SIGKILL);
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
  if (job.slot == nullptr || job.slot->state != phase::sent || job.slot->in_flight.front().get() != &job) return false;
  job.slot->state = phase::running;
  job.slot->handed_over = false;
  return true;
}

void pool_state::hand_over(pool_job& job) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (job.slot == nullptr || job.slot->state != phase::sent || job.slot->in_flight.front().get() != &job) return;
  job.slot->handed_over = true;
  job.slot->wake.notify_one();
}

void pool_state::receive(slot& s, pool_job& job) {
  { std::lock_guard<std::mutex> sent(s.send_lock); }  // its frame is out (or failed) before its reply is read
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
      // The reply of a call sent by another thread, handed over: read it here.
      s.state = phase::running;
      s.handed_over = false;
      std::shared_ptr<pool_job> job = s.in_flight.front();
      lock.unlock();
      receive(s, *job);
      lock.lock();
      continue;
    }
    if (s.state == phase::idle && !queue_.empty()) {
      std::shared_ptr<pool_job> job = std::move(queue_.front());
      queue_.pop_front();
      job->slot = &s;
      s.state = phase::running;
      room_.notify_one();
      lock.unlock();
      run(s, job);
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

void pool_state::run(slot& s, const std::shared_ptr<pool_job>& job) {
  std::string why;
  bool cancelled_before = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_before = job->cancelled;
    if (cancelled_before) s.in_flight.push_back(job);
  }
  if (cancelled_before) {
    job->outcome.cancelled = true;  // cancelled between the queue and its worker: it never runs
    conclude(s, *job, false, false);
    return;
  }
  const bool started = ensure_worker(s, why);
  outgoing out{std::unique_lock<std::mutex>(s.send_lock, std::defer_lock), {}, {}};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    s.in_flight.push_back(job);
    if (started) {
      out.sending.lock();  // free: the worker had no call
      job->front_since = clock::now();
      if (opts_.call_timeout) job->deadline = deadline_after(*opts_.call_timeout);
      out.calls.push_back(job);
      take_ahead(s, out);
    }
  }
  if (!started) {
    job->outcome.start_failure = why;
    conclude(s, *job, false, false);
    return;
  }
  send_out(s, out);
  receive(s, *job);
}

void pool_state::conclude(slot& s, pool_job& job, bool attempted, bool served) {
  if (served) ++s.calls;
  const bool over_rss = served && opts_.max_worker_rss_bytes != 0 && s.worker->resident_bytes() >= opts_.max_worker_rss_bytes;
  std::uint64_t pool_stats::*replace_for = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.calls;
    if (attempted && (!served || s.worker->killed())) {
      // Gone, or killed (a cancel) after a reply that came first, which the call keeps.
      if (!served && job.cancelled) job.outcome.cancelled = true;
      replace_for = &pool_stats::workers_lost;
    } else if (served) {
      const double took = std::chrono::duration<double>(clock::now() - job.front_since).count();
      recent_call_seconds_ = recent_call_seconds_ < 0 ? took : recent_call_seconds_ + (took - recent_call_seconds_) / 8;
      if (s.retire_due == nullptr) {
        if (opts_.max_calls_per_worker != 0 && s.calls >= opts_.max_calls_per_worker) {
          s.retire_due = &pool_stats::retired_by_calls;
        } else if (over_rss) {
          s.retire_due = &pool_stats::retired_by_rss;
        }
      }
      // Between calls only: while a call sent ahead runs, the retirement waits for it (and no
      // call goes ahead meanwhile).
      if (s.retire_due != nullptr && s.in_flight.size() == 1) replace_for = s.retire_due;
    }
  }
  if (replace_for != nullptr) {
    const bool answered = !job.outcome.reply.empty() || job.outcome.reply_mapping;
    replace(s, replace_for, attempted && !served ? &job.outcome : nullptr, answered);
  }
  keep_buffer(std::move(job.arguments));  // the worker unmapped it before replying, or is reaped
  std::shared_ptr<pool_job> next;
  outgoing out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    s.in_flight.pop_front();
    s.handed_over = false;
    if (!s.in_flight.empty()) {
      next = s.in_flight.front();  // sent ahead: the worker runs it now
      --waiting_ahead_;
      room_.notify_one();
      out.sending = std::unique_lock<std::mutex>(s.send_lock, std::try_to_lock);
    } else if (!queue_.empty() && s.worker) {
      // The next queued call goes out on this worker now, from this thread, and its owner reads
      // the reply: one hand-off between threads instead of two through the driver.
      next = std::move(queue_.front());
      queue_.pop_front();
      room_.notify_one();
      s.in_flight.push_back(next);
      next->slot = &s;
      out.sending = std::unique_lock<std::mutex>(s.send_lock);  // free: the worker had no call
      out.calls.push_back(next);
    } else {
      s.state = phase::idle;
      if (!queue_.empty() || stopping_) s.wake.notify_one();
    }
    if (next) {
      next->front_since = clock::now();
      if (opts_.call_timeout) next->deadline = deadline_after(*opts_.call_timeout);
      if (next->cancelled && s.worker) s.worker->kill(SIGKILL);  // cancelled while sent ahead
      if (out.sending) take_ahead(s, out);
    }
  }
  // The next calls go out before this one's owner is woken: a wake-up may preempt this thread,
  // and the worker would wait for it.
  if (out.sending) send_out(s, out);
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
  {
    std::lock_guard<std::mutex> lock(next->mutex);
    next->claimable = true;
    next->signal_progress();
  }
  next->ended.notify_all();
}

bool pool_state::may_send_ahead(const slot& s) const {
  if (!s.worker || s.retire_due != nullptr || s.in_flight.empty() || queue_.empty()) return false;
  const std::size_t ahead = s.in_flight.size() - 1;
  if (ahead >= std::min(opts_.calls_ahead_per_worker, max_calls_ahead)) return false;
  // Only while calls are short: then the hand-off a worker would wait for is a large part of a
  // call, and a call held behind another waits little. Never behind one that has run long.
  const double short_call = std::chrono::duration<double>(opts_.ahead_while_calls_under).count();
  if (recent_call_seconds_ < 0 || recent_call_seconds_ > short_call) return false;
  if (std::chrono::duration<double>(clock::now() - s.in_flight.front()->front_since).count() > short_call) return false;
  // Retirement by calls stays exact: never more calls on a worker than it may serve.
  if (opts_.max_calls_per_worker != 0 && s.calls + s.in_flight.size() >= opts_.max_calls_per_worker) return false;
  std::size_t bytes = queue_.front()->frame.size();
  if (bytes > ahead_frame_bytes) return false;
  for (auto it = s.in_flight.begin() + 1; it != s.in_flight.end(); ++it) bytes += (*it)->frame.size();
  if (bytes > max_ahead_bytes) return false;
  // A worker that is free takes the call sooner than one busy with another.
  for (const auto& other : slots_) {
    if (other->state == phase::idle && other->worker) return false;
  }
  return true;
}

void pool_state::take_ahead(slot& s, outgoing& out) {
  while (may_send_ahead(s)) {
    std::shared_ptr<pool_job> job = std::move(queue_.front());
    queue_.pop_front();
    job->slot = &s;
    s.in_flight.push_back(job);
    out.calls.push_back(std::move(job));
    ++waiting_ahead_;
    ++stats_.calls_sent_ahead;
  }
  if (!out.calls.empty()) out.deadline = s.in_flight.front()->deadline;
}

void pool_state::send_out(slot& s, outgoing& out) {
  bool alive = true;
  for (const std::shared_ptr<pool_job>& job : out.calls) {
    // Past a worker's end the rest stay unsent: the reader of the call in front learns it.
    if (alive) alive = job->sent = s.worker->send(job->frame, arguments_fd(*job), job->outcome, out.deadline);
  }
  out.sending.unlock();
}

void pool_state::requeue_behind(slot& s) {
  while (s.in_flight.size() > 1) {
    std::shared_ptr<pool_job> unstarted = std::move(s.in_flight.back());
    s.in_flight.pop_back();
    unstarted->sent = false;
    unstarted->slot = nullptr;
    unstarted->deadline.reset();
    unstarted->outcome.pid = -1;
    unstarted->outcome.running_on = nullptr;
    unstarted->outcome.timed_out = false;
    queue_.push_front(std::move(unstarted));
    --waiting_ahead_;
    ++stats_.calls_requeued;
  }
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

void pool_state::replace(slot& s, std::uint64_t pool_stats::*reason, runtime::call_outcome* failed, bool answered) {
  std::unique_ptr<runtime::worker> old;
  std::vector<std::shared_ptr<pool_job>> lost;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::lock_guard<std::mutex> sending(s.send_lock);  // a send under way ends first
    // A worker runs its calls in order: one that never answered its call in front started
    // none behind it, and they run on the next worker. One that answered may have started the
    // next, so those end with it rather than run twice.
    if (!answered) {
      requeue_behind(s);
    } else if (s.in_flight.size() > 1) {
      lost.assign(s.in_flight.begin() + 1, s.in_flight.end());
      s.in_flight.resize(1);
      stats_.calls += lost.size();
      waiting_ahead_ -= lost.size();
      room_.notify_all();
    }
    s.retire_due = nullptr;
    old = std::move(s.worker);
    ++(stats_.*reason);
  }
  runtime::call_outcome end;
  if (old && (failed != nullptr || !lost.empty())) old->collect_end(failed != nullptr ? *failed : end);
  for (const std::shared_ptr<pool_job>& job : lost) {
    job->outcome.pid = old ? old->pid() : -1;
    job->outcome.status = failed != nullptr ? failed->status : end.status;
    keep_buffer(std::move(job->arguments));
    finish(*job);
  }
  old.reset();
  std::string why;
  ensure_worker(s, why);
}

void pool_state::finish(pool_job& job) {
  {
    std::lock_guard<std::mutex> lock(job.mutex);
    job.done = true;
    job.signal_progress();
  }
  job.ended.notify_all();  // after the unlock, so a woken owner does not wait for the mutex
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
