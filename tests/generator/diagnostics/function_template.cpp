template <class T>
[[gofork::forkable]] T identity(T value);
