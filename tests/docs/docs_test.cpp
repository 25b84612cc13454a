// The landing page and docs/ against the tree they describe: a quoted file is quoted exactly,
// every relative link leads to a file that exists, and so does every source path they name.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path root = GOFORK_SOURCE_DIR;

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<fs::path> pages() {
  std::vector<fs::path> found{root / "README.md"};
  for (const auto& entry : fs::directory_iterator(root / "docs")) {
    if (entry.path().extension() == ".md") found.push_back(entry.path());
  }
  return found;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A block introduced by "[`path`](path):" and a blank line is that file, whole.
TEST(docs, a_quoted_file_is_quoted_exactly) {
  const std::regex introduction(R"(^\[`([^`]+)`\]\(([^)]+)\):$)");
  int quoted = 0;
  for (const fs::path& page : pages()) {
    const std::vector<std::string> lines = lines_of(read(page));
    for (std::size_t i = 0; i + 2 < lines.size(); ++i) {
      std::smatch m;
      if (!std::regex_match(lines[i], m, introduction) || lines[i + 2].rfind("```", 0) != 0) continue;
      std::string block;
      std::size_t j = i + 3;
      for (; j < lines.size() && lines[j] != "```"; ++j) block += lines[j] + "\n";
      ASSERT_LT(j, lines.size()) << page << ": unterminated block quoting " << m[1];
      const fs::path quoted_file = page.parent_path() / m[2].str();
      EXPECT_EQ(block, read(quoted_file)) << page << " quotes " << m[1] << " differently from the file";
      ++quoted;
    }
  }
  EXPECT_GE(quoted, 1) << "no quoted file found: the introduction's form changed?";
}

// Calls `check` with the first group of every match of `pattern` on every page; returns how many.
template <class Check>
int for_each_match(const std::regex& pattern, Check check) {
  int matches = 0;
  for (const fs::path& page : pages()) {
    const std::string text = read(page);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern); it != std::sregex_iterator(); ++it) {
      check(page, (*it)[1].str());
      ++matches;
    }
  }
  return matches;
}

TEST(docs, relative_links_lead_to_files_that_exist) {
  const int checked = for_each_match(std::regex(R"(\]\(([^)#:]+)(#[^)]*)?\))"), [](const fs::path& page, const std::string& target) {
    if (target.rfind("http", 0) == 0) return;
    EXPECT_TRUE(fs::exists(page.parent_path() / target)) << page << " links to " << target << ", which does not exist";
  });
  EXPECT_GE(checked, 10);
}

// A path in code font under one of the source folders (`runtime/child/trust.cpp`,
// `include/gofork/detail/wire/`) names a file or folder of this tree: a room that moves must
// take its mentions along.
TEST(docs, named_source_paths_exist) {
  const std::regex named(R"(`((?:runtime|include|generator|cmake|tests|examples|bench|scripts)/[A-Za-z0-9_./-]*)`)");
  const int checked = for_each_match(named, [](const fs::path& page, const std::string& target) {
    EXPECT_TRUE(fs::exists(root / target)) << page << " names " << target << ", which does not exist";
  });
  EXPECT_GE(checked, 20);
}

}  // namespace
