// The reliability reference's msgpack bombs (T15): frames that declare far more than they
// hold, or nest without end. Shared by the unit tests (the decoder) and the end-to-end tests
// (a real child).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <vector>

namespace gofork_test {

inline std::string hex_bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out += static_cast<char>(b);
  return out;
}

inline std::string repeat(const std::string& piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

inline std::vector<std::string> msgpack_bombs() {
  std::vector<std::string> bombs = {
      hex_bytes({0xdd, 0xff, 0xff, 0xff, 0xff}),        // array of 2^32-1
      hex_bytes({0xdf, 0xff, 0xff, 0xff, 0xff}),        // map of 2^32-1
      hex_bytes({0xdb, 0xff, 0xff, 0xff, 0xff}),        // str of 4 GiB
      hex_bytes({0xc6, 0xff, 0xff, 0xff, 0xff}),        // bin of 4 GiB
      hex_bytes({0xc9, 0xff, 0xff, 0xff, 0xff, 0x01}),  // ext of 4 GiB
      repeat(hex_bytes({0xdc, 0xff, 0xff}), 20000),     // nested arrays of 65535
      repeat(hex_bytes({0xdd, 0x00, 0xff, 0xff, 0xff}), 50),
      std::string(200000, '\x91'),  // 200,000 levels of nesting
  };
  std::string maps;  // 16 levels of maps declaring 65535 keys each
  for (int i = 0; i < 16; ++i) maps += hex_bytes({0xde, 0xff, 0xff, 0x00});
  bombs.push_back(maps);
  return bombs;
}

}  // namespace gofork_test
