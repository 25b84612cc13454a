namespace app {

struct opaque;

[[gofork::forkable]] void use(const opaque& handle);

}  // namespace app
