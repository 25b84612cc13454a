// Base classes a generated adaptor cannot send: virtual, non-public, there twice, or with private data.
namespace app {

struct base {
  int id;
};

struct hidden {
 private:
  int secret = 0;
};

struct via_virtual : virtual base {
  int x;
};

struct via_private : private base {
  int x;
};

struct left : base {};
struct right : base {};
struct diamond : left, right {
  int x;
};

struct over_hidden : hidden {
  int x;
};

[[gofork::forkable]] void with_virtual(via_virtual v);
[[gofork::forkable]] void with_private(via_private v);
[[gofork::forkable]] void with_diamond(const diamond& v);
[[gofork::forkable]] void with_hidden(over_hidden v);

}  // namespace app
