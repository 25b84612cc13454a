// The system calls a cloned child makes before its exec, issued straight to the kernel (the
// architecture-specific part is raw_syscall alone).
#pragma once

#include <unistd.h>

#include <cerrno>
#include <type_traits>

// The cloned child shares the parent's memory and runs on a private stack: sanitizer
// bookkeeping there would corrupt the parent's.
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 8)
#define GOFORK_NO_SANITIZE __attribute__((no_sanitize("address", "thread", "undefined")))
#else
#define GOFORK_NO_SANITIZE
#endif

namespace gofork::runtime {

// The child shares the parent's memory until exec, so it makes raw system calls only: libc
// wrappers may take locks or signal other threads (setuid), sanitizer interceptors would
// update the parent's bookkeeping (TSan's fd and signal tables) from the child, and even
// syscall() writes errno — the launching thread's own errno (the child has no TLS of its own),
// which that thread may be using meanwhile when a launch writes id maps. So these go straight
// to the kernel and return -errno.
GOFORK_NO_SANITIZE inline long raw_syscall(long n, long a, long b, long c, long d, long e, long f) {
#if defined(__x86_64__)
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long result;
  __asm__ volatile("syscall"
                   : "=a"(result)
                   : "0"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return result;
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory", "cc");
  return x0;
#else
  const long result = ::syscall(n, a, b, c, d, e, f);
  return result < 0 ? -errno : result;
#endif
}

template <class T>
GOFORK_NO_SANITIZE inline long syscall_argument(T value) {
  if constexpr (std::is_null_pointer_v<T>) {
    return 0;
  } else if constexpr (std::is_pointer_v<T>) {
    return reinterpret_cast<long>(value);
  } else {
    return static_cast<long>(value);
  }
}

// A system call from the child: the result, or -errno.
template <class... Args>
GOFORK_NO_SANITIZE inline long sys(long number, Args... args) {
  static_assert(sizeof...(Args) <= 6);
  const long a[6] = {syscall_argument(args)...};
  return raw_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

// The kernel's struct sigaction, as rt_sigaction takes it.
struct kernel_sigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  unsigned long mask;
};

}  // namespace gofork::runtime
