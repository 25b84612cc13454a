// Many children awaited on one Asio io_context: each child's pidfd becomes an
// asio::posix::stream_descriptor, readable once the child has ended, so one thread waits on
// all of them with no thread, signal handler or waitpid loop of its own. The last child still
// running once the others are in is cancelled, and cancelling means terminate(grace): SIGTERM,
// then SIGKILL if it does not end within the grace period.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>

#include <gofork/gofork.hpp>

// A frame of some rendering: a little arithmetic, except frame 7, which hangs.
[[gofork::forkable]] long render(int frame) {
  if (frame == 7) {
    for (;;) ::pause();
  }
  long x = frame;
  for (int i = 0; i < 100000; ++i) x = (x * 31 + i) % 1000003;
  return x;
}

#include "main.gofork.hpp"  // generated from this file: fork_render

namespace {

struct frame_job {
  frame_job(asio::io_context& io, int f)
      : frame(f),
        child(fork_render(f)),
        // The descriptor owns what it is given: a duplicate, so the process handle keeps its pidfd.
        ended(io, ::fcntl(child.pidfd(), F_DUPFD_CLOEXEC, 0)) {}
  int frame;
  gofork::process<long> child;
  asio::posix::stream_descriptor ended;
  std::string outcome = "pending";
  bool cancelled = false;
};

}  // namespace

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  asio::io_context io;
  const std::thread::id loop_thread = std::this_thread::get_id();
  bool all_on_the_loop_thread = true;

  constexpr int frames = 12;
  std::vector<std::unique_ptr<frame_job>> jobs;
  int in = 0;
  auto cancel_the_rest = [&] {
    for (auto& j : jobs) {
      if (j->outcome == "pending") {
        j->cancelled = true;
        j->ended.cancel();  // its handler runs with operation_aborted
      }
    }
  };
  for (int f = 0; f < frames; ++f) {
    jobs.push_back(std::make_unique<frame_job>(io, f));
    frame_job* j = jobs.back().get();
    j->ended.async_wait(asio::posix::stream_descriptor::wait_read, [&, j](const asio::error_code& ec) {
      all_on_the_loop_thread = all_on_the_loop_thread && std::this_thread::get_id() == loop_thread;
      if (ec == asio::error::operation_aborted && j->cancelled) {
        const gofork::exit_status st = j->child.terminate(std::chrono::milliseconds(500));
        j->outcome = st.signaled() && st.signal() == SIGTERM ? "cancelled (TERM)" : "cancelled (KILL)";
      } else {
        try {
          j->outcome = std::to_string(j->child.get());
        } catch (const gofork::error& e) {
          j->outcome = gofork::to_string(e.kind());
        }
      }
      if (++in == frames - 1) cancel_the_rest();  // only the hung one is left
    });
  }
  io.run();

  for (const auto& j : jobs) std::printf("frame %d -> %s\n", j->frame, j->outcome.c_str());
  std::printf("all %d awaited on the loop's one thread: %s\n", frames, all_on_the_loop_thread ? "yes" : "no");
  return 0;
}
