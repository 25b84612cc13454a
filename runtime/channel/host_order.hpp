// Integers in a frame, in host byte order (both ends are the same build, hence the same CPU).
#pragma once

#include <cstring>
#include <string>

namespace gofork::runtime {

template <class T>
void put(std::string& out, T value) {
  char raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));
  out.append(raw, sizeof(T));
}

template <class T>
T get(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

}  // namespace gofork::runtime
