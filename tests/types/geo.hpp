// User types for the round trips: aggregates, a class template, enums, a type with its own
// msgpack support, a recursive type. No adaptor is written by hand: gofork-gen emits them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gofork/gofork.hpp>

namespace geo {

struct point {
  double x = 0;
  double y = 0;
  bool operator==(const point& o) const { return x == o.x && y == o.y; }
};

template <class T>
struct box {
  T lo{};
  T hi{};
  bool operator==(const box& o) const { return lo == o.lo && hi == o.hi; }
};

using point_box = box<point>;  // an alias of a user template instantiation

enum class color : short { red = -1, green = 7, blue = 300 };
enum legacy { legacy_a, legacy_b = 5 };

namespace shapes {
struct polygon {
  std::string name;
  std::vector<point> corners;
  color fill = color::red;
  std::optional<point_box> bounds;
  bool operator==(const polygon& o) const {
    return name == o.name && corners == o.corners && fill == o.fill && bounds == o.bounds;
  }
};
}  // namespace shapes

// Public data and a constructor, still default-constructible.
class label {
 public:
  label() = default;
  label(std::string t, int s) : text(std::move(t)), size(s) {}
  std::string text;
  int size = 0;
  bool operator==(const label& o) const { return text == o.text && size == o.size; }
};

// Private data, but its own msgpack support: used as it is.
class secret {
 public:
  secret() = default;
  explicit secret(std::string v) : value_(std::move(v)) {}
  const std::string& value() const { return value_; }
  bool operator==(const secret& o) const { return value_ == o.value_; }
  MSGPACK_DEFINE(value_);

 private:
  std::string value_;
};

struct tree {
  std::string label;
  std::vector<tree> children;
  bool operator==(const tree& o) const { return label == o.label && children == o.children; }
};

struct empty {
  bool operator==(const empty&) const { return true; }
};

}  // namespace geo
