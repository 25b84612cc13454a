// Every supported arithmetic type, and every supported container, nested.
#include <array>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace types {

[[gofork::forkable]] bool integers(bool b, char c, signed char sc, unsigned char uc, short s, unsigned short us,
                                   int i, unsigned int ui, long l, unsigned long ul, long long ll,
                                   unsigned long long ull);
[[gofork::forkable]] char32_t characters(wchar_t w, char16_t c16, char32_t c32);
[[gofork::forkable]] double floating(float f, double d);

[[gofork::forkable]] std::vector<std::map<std::string, std::set<int>>> containers(
    const std::array<double, 3>& a, std::deque<std::list<float>> d,
    const std::unordered_map<std::string, std::unordered_set<long>>& u,
    std::pair<int, std::optional<std::string>> p, std::tuple<> empty,
    const std::tuple<char, std::vector<std::pair<bool, unsigned>>, std::optional<std::array<short, 2>>>& t);

[[gofork::forkable]] std::optional<std::tuple<int, std::string>> maybe(std::optional<std::vector<std::string>>&& in);

}  // namespace types
