// A class with private data that befriends gofork::access gets an adaptor over all its members,
// read through a generated gofork::access::members specialisation.
namespace gofork {
struct access;  // as <gofork/access.hpp> declares it (golden cases see no gofork include directory)
}  // namespace gofork

#include <string>

namespace bank {

class account {
 public:
  account() = default;
  account(std::string owner, long cents) : owner_(std::move(owner)), cents_(cents) {}
  long cents() const { return cents_; }

 private:
  friend struct gofork::access;
  std::string owner_;
  long cents_ = 0;
  int pins[2] = {};
};

[[gofork::forkable]] account deposit(account a, long cents);

}  // namespace bank
