#include <string>
#include <vector>

namespace app {

struct no_default {
  explicit no_default(int v) : value(v) {}
  int value;
};

// Const members are fine in an aggregate (it is built from its fields); these cannot be built.
class fixed {
 public:
  explicit fixed(int v) : value(v) {}
  const int value;
};

struct const_ids {
  const int ids[2] = {1, 2};
};

struct id_and_array {
  const int id = 0;
  int ids[2];
};

struct bits {
  unsigned flag : 1;
};

// branch decides to be assigned in place before knowing that tree, which it holds, is built.
struct cell {
  const int x;
};
struct tree;
struct branch {
  std::vector<tree> trees;
};
struct tree {
  std::vector<branch> branches;
  cell c;
};

[[gofork::forkable]] void with_no_default(no_default n);
[[gofork::forkable]] void with_fixed(fixed f);
[[gofork::forkable]] void with_const_ids(const_ids c);
[[gofork::forkable]] void with_id_and_array(id_and_array c);
[[gofork::forkable]] void with_bits(bits b);
[[gofork::forkable]] void with_tree(tree t);

}  // namespace app
