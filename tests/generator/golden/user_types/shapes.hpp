// User classes declared in a header; the forkables that use them are in input.cpp.
#pragma once

#include <msgpack.hpp>

#include <string>
#include <vector>

namespace geo {

struct point {
  double x = 0;
  double y = 0;
  static constexpr int dimensions = 2;  // static members do not travel
};

template <class T>
struct box {
  T lo;
  T hi;
};

using point_box = box<point>;

enum class unit : unsigned char { mm, inch };

namespace detail {
struct tree {
  std::string label;
  std::vector<tree> children;  // recursive through a container
};
}  // namespace detail

struct empty {};

// Has its own msgpack support: used as it is, no adaptor generated.
struct tagged {
  std::string tag;
  MSGPACK_DEFINE(tag);
};

}  // namespace geo
