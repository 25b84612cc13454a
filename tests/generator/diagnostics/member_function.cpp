struct worker {
  [[gofork::forkable]] int run(int steps);
  [[gofork::forkable]] static int make(int steps);  // a public static member: accepted

 private:
  [[gofork::forkable]] static int hidden(int steps);
  struct detail {
    [[gofork::forkable]] static int deep(int steps);
  };
};

template <class T>
struct box {
  [[gofork::forkable]] static int open(int steps);
};

int use() { return box<int>::open(1); }

struct {
  [[gofork::forkable]] static int nameless(int steps);
} unnamed;
