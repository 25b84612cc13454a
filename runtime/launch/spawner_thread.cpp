#include "launch/spawner_thread.hpp"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <utility>

namespace gofork::runtime {

launched on_spawner_thread(std::function<launched()> launch) {
  struct spawner {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::function<void()>> tasks;
    spawner() {
      std::thread([this] {
        for (;;) {
          std::unique_lock<std::mutex> lock(mutex);
          wake.wait(lock, [this] { return !tasks.empty(); });
          auto task = std::move(tasks.front());
          tasks.pop_front();
          lock.unlock();
          task();
        }
      }).detach();
    }
  };
  // Never destroyed: its thread never ends. A process forked (without exec) from this one has
  // no such thread, so it makes its own.
  static std::atomic<spawner*> instance{nullptr};
  static std::atomic<pid_t> owner{0};
  static std::mutex creation;
  if (owner.load() != ::getpid()) {
    std::lock_guard<std::mutex> lock(creation);
    if (owner.load() != ::getpid()) {
      instance = new spawner;
      owner = ::getpid();
    }
  }
  std::packaged_task<launched()> task(std::move(launch));
  std::future<launched> result = task.get_future();
  {
    std::lock_guard<std::mutex> lock(instance.load()->mutex);
    instance.load()->tasks.emplace_back([&task] { task(); });
  }
  instance.load()->wake.notify_one();
  return result.get();
}

}  // namespace gofork::runtime
