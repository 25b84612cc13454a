// The request buffers: a call's arguments are encoded into a memfd the child maps, and the
// buffer is reused once the child has been reaped. Reuse must never show a child another
// call's bytes, must stay within its bound, and must not cross into a process forked from this
// one.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <msgpack.hpp>

#include "../support/test_support.hpp"

#include <gofork/gofork.hpp>

namespace {

constexpr char stale = '\xa5';  // the byte the earlier, bigger call is made of

std::uint64_t length(std::string s) { return s.size(); }
std::string stale_text(std::uint64_t size) { return std::string(size, stale); }
int twice(int x) { return 2 * x; }

// Size of this child's request mapping, and how many of its bytes lie in runs of 16 or more
// `stale` bytes (the random nonce may hold a single one by chance).
std::vector<std::uint64_t> request_mapping_report() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find("memfd:gofork-request") == std::string::npos) continue;
    std::uintptr_t begin = 0, end = 0;
    char dash = 0;
    std::istringstream(line) >> std::hex >> begin >> dash >> end;
    std::uint64_t found = 0, run = 0;
    for (auto* p = reinterpret_cast<const char*>(begin); p < reinterpret_cast<const char*>(end); ++p) {
      run = *p == stale ? run + 1 : 0;
      found += run == 16 ? 16 : run > 16;
    }
    return {end - begin, found};
  }
  return {};
}

// A type without a size bound (msgpack-c packs it), so a big one outgrows the first buffer.
struct blob {
  std::string data;
  MSGPACK_DEFINE(data);
};
std::uint64_t blob_size(blob b) { return b.data.size(); }

class request_buffers : public ::testing::Test {
 protected:
  void SetUp() override { gofork::release_idle_request_buffers(); }
  void TearDown() override { gofork_test::expect_no_children(); }
};

TEST_F(request_buffers, a_reused_buffer_shows_nothing_of_the_earlier_call) {
  const std::string big(1 << 20, stale);
  ASSERT_EQ(gofork::fork<std::uint64_t>("length", big).get(), big.size());
  ASSERT_EQ(gofork::idle_request_buffers().idle_buffers, 1u);
  const std::size_t capacity = gofork::idle_request_buffers().idle_bytes;

  std::vector<std::uint64_t> report = gofork::fork<std::vector<std::uint64_t>>("request_mapping_report").get();
  ASSERT_EQ(report.size(), 2u) << "the child found no request mapping";
  EXPECT_EQ(report[0], capacity) << "the small call did not reuse the big call's buffer";
  EXPECT_EQ(report[1], 0u) << "the child could read the earlier call's arguments";

  // Then a call of almost the same size: only the bytes past its end need clearing.
  ASSERT_EQ(gofork::fork<std::uint64_t>("length", big).get(), big.size());
  ASSERT_EQ(gofork::fork<std::uint64_t>("length", std::string(big.size() - 3000, 'x')).get(), big.size() - 3000);
  report = gofork::fork<std::vector<std::uint64_t>>("request_mapping_report").get();
  ASSERT_EQ(report.size(), 2u);
  EXPECT_EQ(report[1], 0u);
}

// A reply that fits is left in the request buffer for the parent; the next call must not see it.
TEST_F(request_buffers, a_reply_left_in_the_buffer_is_cleared_before_the_next_call) {
  ASSERT_EQ(gofork::fork<std::string>("stale_text", 40'000).get(), std::string(40'000, stale));
  ASSERT_EQ(gofork::idle_request_buffers().idle_buffers, 1u);
  std::vector<std::uint64_t> report = gofork::fork<std::vector<std::uint64_t>>("request_mapping_report").get();
  ASSERT_EQ(report.size(), 2u) << "the child found no request mapping";
  EXPECT_EQ(report[0], gofork::idle_request_buffers().idle_bytes) << "the second call used another buffer";
  EXPECT_EQ(report[1], 0u) << "the child could read the earlier call's reply";
}

// Around the size where a reply stops fitting into the buffer (64 KiB, less the request) and
// goes through the socket instead: every size arrives whole.
TEST_F(request_buffers, replies_on_both_sides_of_the_buffer_size_arrive_whole) {
  for (std::uint64_t size = 65'200; size <= 65'540; size += 4) {
    const std::string text = gofork::fork<std::string>("stale_text", size).get();
    ASSERT_EQ(text.size(), size);
    ASSERT_EQ(text.find_first_not_of(stale), std::string::npos) << size;
  }
  std::vector<std::uint64_t> report = gofork::fork<std::vector<std::uint64_t>>("request_mapping_report").get();
  ASSERT_EQ(report.size(), 2u);
  EXPECT_EQ(report[1], 0u);
}

TEST_F(request_buffers, sequential_calls_reuse_one_buffer) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(gofork::fork<int>("twice", i).get(), 2 * i);
    EXPECT_EQ(gofork::idle_request_buffers().idle_buffers, 1u) << "after call " << i;
  }
  EXPECT_GT(gofork::release_idle_request_buffers(), 0u);
  EXPECT_EQ(gofork::idle_request_buffers().idle_buffers, 0u);
  EXPECT_EQ(gofork::idle_request_buffers().idle_bytes, 0u);
}

TEST_F(request_buffers, buffers_are_sealed_at_their_size_and_never_executable) {
  ASSERT_EQ(gofork::fork<int>("twice", 4).get(), 8);
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (std::filesystem::read_symlink(entry.path(), ec).string().find("memfd:gofork-request") == std::string::npos) continue;
    const int fd = std::stoi(entry.path().filename().string());
    const int seals = ::fcntl(fd, F_GET_SEALS);
    EXPECT_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    EXPECT_EQ(seals & F_SEAL_WRITE, 0) << "the next call could not write into it";
    const int probe = ::memfd_create("probe", MFD_CLOEXEC | 0x0008u);  // MFD_NOEXEC_SEAL: Linux 6.3+
    if (probe >= 0) {
      ::close(probe);
      EXPECT_NE(seals & 0x0020, 0) << "no F_SEAL_EXEC although this kernel offers it";
      struct stat st {};
      ASSERT_EQ(::fstat(fd, &st), 0);
      EXPECT_EQ(st.st_mode & 0111, 0u) << "an executable request buffer";
    }
    ++checked;
  }
  EXPECT_EQ(checked, 1);
}

TEST_F(request_buffers, the_idle_pool_is_bounded) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 25; ++i) EXPECT_EQ(gofork::fork<int>("twice", t * 100 + i).get(), 2 * (t * 100 + i));
    });
  }
  for (auto& th : threads) th.join();
  gofork::request_buffer_usage usage = gofork::idle_request_buffers();
  EXPECT_GE(usage.idle_buffers, 1u);
  EXPECT_LE(usage.idle_buffers, 16u);

  // A call bigger than the idle limit gets a buffer that is closed, not kept, afterwards.
  const std::string huge(100u << 20, 'h');
  ASSERT_EQ(gofork::fork<std::uint64_t>("length", huge).get(), huge.size());
  usage = gofork::idle_request_buffers();
  EXPECT_LE(usage.idle_bytes, std::size_t{64} << 20);
  EXPECT_LE(usage.idle_buffers, 16u);
}

TEST_F(request_buffers, arguments_without_a_size_bound_move_to_a_bigger_buffer) {
  ASSERT_EQ(gofork::fork<int>("twice", 1).get(), 2);  // a small buffer is idle now
  blob b{std::string(3u << 20, 'b')};
  EXPECT_EQ(gofork::fork<std::uint64_t>("blob_size", b).get(), b.data.size());
  EXPECT_EQ(gofork::fork<std::uint64_t>("blob_size", blob{"small"}).get(), 5u);
}

TEST_F(request_buffers, a_forked_process_does_not_reuse_the_parents_buffers) {
  ASSERT_EQ(gofork::fork<int>("twice", 2).get(), 4);
  ASSERT_EQ(gofork::idle_request_buffers().idle_buffers, 1u);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Writing into an inherited buffer would change the parent's shared memory.
    int code = gofork::idle_request_buffers().idle_buffers == 0 ? 0 : 10;
    try {
      if (gofork::fork<int>("twice", 21).get() != 42) code = 11;
    } catch (...) {
      code = 12;
    }
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(gofork::idle_request_buffers().idle_buffers, 1u);
  EXPECT_EQ(gofork::fork<int>("twice", 5).get(), 10);
}

}  // namespace

int main(int argc, char** argv) {
  gofork::register_function("length", &length);
  gofork::register_function("stale_text", &stale_text);
  gofork::register_function("twice", &twice);
  gofork::register_function("request_mapping_report", &request_mapping_report);
  gofork::register_function("blob_size", &blob_size);
  gofork::init(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
