// User classes of round two: C arrays as data members, public base classes.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <gofork/access.hpp>

namespace shapes {

struct record {
  int ids[4];
  char name[16];
  double grid[2][3];
  unsigned char raw[3];
  std::string names[2];
  bool operator==(const record& other) const;
};

struct named {
  std::string name;
};

struct tagged {
  int tag = 0;
};

// Bases' members first, in base order: [name, tag, x, y].
struct pixel : named, tagged {
  int x = 0;
  int y = 0;
  bool operator==(const pixel& other) const {
    return name == other.name && tag == other.tag && x == other.x && y == other.y;
  }
};

// A member named like its base's: each is sent, neither hides the other.
struct relabelled : named {
  std::string name;
  bool operator==(const relabelled& other) const {
    return named::name == other.named::name && name == other.name;
  }
};

// Two levels of bases, and a class template base.
template <class T>
struct holder {
  T value{};
};
struct deep : pixel, holder<std::vector<int>> {
  char code[2];
  bool operator==(const deep& other) const {
    return static_cast<const pixel&>(*this) == other && value == other.value && code[0] == other.code[0] &&
           code[1] == other.code[1];
  }
};

// Private data, by opt-in: every member crosses, private ones included.
class account {
 public:
  account() = default;
  account(std::string owner, long cents) : owner_(std::move(owner)), cents_(cents) { pins_[1] = 42; }
  const std::string& owner() const { return owner_; }
  long cents() const { return cents_; }
  int pin(int i) const { return pins_[i]; }
  void deposit(long cents) { cents_ += cents; }

 private:
  friend struct gofork::access;
  std::string owner_;
  long cents_ = 0;
  int pins_[2] = {};
};

// A public class whose base keeps its data private (and befriends gofork::access).
struct savings : account {
  double rate = 0;
};

// Const data members: the aggregate is built from its decoded fields (it has no default constructor).
struct reading {
  const int id;
  const std::string sensor;
  double value = 0;
  bool operator==(const reading& other) const {
    return id == other.id && sensor == other.sensor && value == other.value;
  }
};

// A const member in a base, an empty base, and built classes inside standard containers.
struct stamp {
  const long at;
};
struct empty_base {};
struct logged : empty_base, stamp {
  std::vector<reading> readings;
  std::optional<reading> last;
  std::map<std::string, reading> by_sensor;
  std::variant<reading, int> either;  // not default-constructible either
  bool operator==(const logged& other) const {
    return at == other.at && readings == other.readings && last == other.last && by_sensor == other.by_sensor &&
           either == other.either;
  }
};

// No const member of its own, but it holds a class that is built: it is built too.
struct batch {
  std::vector<int> ids;
  reading head;
  bool operator==(const batch& other) const { return ids == other.ids && head == other.head; }
};

[[gofork::forkable]] record echo_record(const record& r);
[[gofork::forkable]] reading scaled(reading r, double factor);
[[gofork::forkable]] logged echo_logged(const logged& l);
[[gofork::forkable]] std::vector<batch> echo_batches(std::vector<batch> b);
[[gofork::forkable]] account deposit(account a, long cents);
[[gofork::forkable]] savings echo_savings(const savings& s);
[[gofork::forkable]] pixel echo_pixel(pixel p);
[[gofork::forkable]] relabelled echo_relabelled(relabelled r);
[[gofork::forkable]] std::vector<deep> echo_deep(std::vector<deep> d);

}  // namespace shapes
