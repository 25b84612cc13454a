// Planning (which files, which functions, which problems) on hand-built models: no Clang involved.
#include "model/plan.hpp"

#include <gtest/gtest.h>

namespace {

using namespace gofork::gen;

model::function make(const std::string& name, const std::string& file, unsigned line) {
  model::function fn;
  fn.id = "app::" + name + "(int)";
  fn.qualified_name = "app::" + name;
  fn.name = name;
  fn.namespaces = {{"app", false}};
  fn.return_type = fn.result_type = "int";
  fn.parameters = {{"x", "int", "int", "", ""}};
  fn.declaring_file = file;
  fn.position = {file, line, 5};
  return fn;
}

TEST(plan, file_names_and_include_spelling) {
  EXPECT_EQ(model::generated_file_name("/x/api.hpp"), "api.gofork.hpp");
  EXPECT_EQ(model::generated_file_name("/x/a.b.cpp"), "a.b.gofork.hpp");
  EXPECT_EQ(model::include_spelling("/p/include/app/api.hpp", {"/p", "/p/include/", "/q"}), "app/api.hpp");
  EXPECT_EQ(model::include_spelling("/elsewhere/api.hpp", {"/p"}), "/elsewhere/api.hpp");
}

TEST(plan, deduplicates_and_adds_empty_headers_for_sources) {
  model::plan_input input;
  input.functions = {make("b", "/p/api.hpp", 4), make("a", "/p/api.hpp", 3), make("b", "/p/api.hpp", 4)};
  input.sources = {"/p/main.cpp", "/p/api.cpp"};
  input.main_files = input.sources;
  input.include_dirs = {"/p"};
  const model::plan plan = model::make_plan(input);
  ASSERT_TRUE(plan.problems.empty());
  ASSERT_EQ(plan.functions.size(), 2u);
  EXPECT_EQ(plan.functions[0].id, "app::a(int)");
  ASSERT_EQ(plan.headers.size(), 2u);
  EXPECT_EQ(plan.headers[0].file_name, "api.gofork.hpp");
  EXPECT_EQ(plan.headers[0].include, "api.hpp");
  EXPECT_EQ(plan.headers[0].functions.size(), 2u);
  EXPECT_EQ(plan.headers[1].file_name, "main.gofork.hpp");
  EXPECT_TRUE(plan.headers[1].functions.empty());
}

TEST(plan, two_declaring_files_with_one_stem_are_an_error) {
  model::plan_input input;
  input.functions = {make("a", "/p/one/api.hpp", 3), make("b", "/p/two/api.hpp", 3)};
  const model::plan plan = model::make_plan(input);
  ASSERT_EQ(plan.problems.size(), 1u);
  EXPECT_NE(plan.problems[0].message.find("/p/one/api.hpp"), std::string::npos);
  EXPECT_NE(plan.problems[0].message.find("/p/two/api.hpp"), std::string::npos);
}

TEST(plan, one_id_declared_in_two_files_is_a_clash) {
  model::plan_input input;
  input.functions = {make("a", "/p/one.hpp", 3), make("a", "/p/two.hpp", 3)};
  const model::plan plan = model::make_plan(input);
  ASSERT_EQ(plan.problems.size(), 1u);
  EXPECT_NE(plan.problems[0].message.find("stub name clash"), std::string::npos);
}

TEST(plan, source_root_nests_headers_and_keeps_outside_files_flat) {
  EXPECT_EQ(model::generated_path("/src/a/util.cpp", "/src"), "a/util.gofork.hpp");
  EXPECT_EQ(model::generated_path("/src/a/b/util.hpp", "/src"), "a/b/util.gofork.hpp");
  EXPECT_EQ(model::generated_path("/src/main.cpp", "/src"), "main.gofork.hpp");
  EXPECT_EQ(model::generated_path("/other/util.cpp", "/src"), "util.gofork.hpp");
  EXPECT_EQ(model::generated_path("/srcx/util.cpp", "/src"), "util.gofork.hpp");
  EXPECT_EQ(model::generated_path("/src/a/util.cpp", ""), "util.gofork.hpp");

  model::plan_input input;
  input.functions = {make("f", "/src/a/util.cpp", 1), make("g", "/src/b/util.cpp", 1)};
  input.sources = input.main_files = {"/src/a/util.cpp", "/src/b/util.cpp"};
  input.source_root = "/src";
  const model::plan plan = model::make_plan(input);
  ASSERT_TRUE(plan.problems.empty());
  ASSERT_EQ(plan.headers.size(), 2u);
  EXPECT_EQ(plan.headers[0].file_name, "a/util.gofork.hpp");
  EXPECT_EQ(plan.headers[1].file_name, "b/util.gofork.hpp");

  input.source_root.clear();  // without the option the two still clash
  EXPECT_EQ(model::make_plan(input).problems.size(), 1u);
}

TEST(plan, adaptors_are_merged_once_per_header_dependencies_first) {
  model::function f = make("f", "/src/api.hpp", 1);
  f.adaptors = {{"::geo::point", {{"x", "x", false}, {"y", "y", false}}}, {"::geo::line", {{"a", "a", false}, {"b", "b", false}}}};
  model::function g = make("g", "/src/api.hpp", 2);
  g.adaptors = {{"::geo::point", {{"x", "x", false}, {"y", "y", false}}}, {"::geo::poly", {{"points", "points", false}}}};
  model::function h = make("h", "/src/other.hpp", 1);
  h.adaptors = {{"::geo::point", {{"x", "x", false}, {"y", "y", false}}}};
  model::plan_input input;
  input.functions = {g, h, f};
  const model::plan plan = model::make_plan(input);
  ASSERT_EQ(plan.headers.size(), 2u);
  ASSERT_EQ(plan.headers[0].adaptors.size(), 3u);
  EXPECT_EQ(plan.headers[0].adaptors[0].type, "::geo::point");
  EXPECT_EQ(plan.headers[0].adaptors[1].type, "::geo::line");
  EXPECT_EQ(plan.headers[0].adaptors[2].type, "::geo::poly");
  ASSERT_EQ(plan.headers[1].adaptors.size(), 1u);  // a type used from two headers is in both
  EXPECT_EQ(plan.headers[1].adaptors[0].type, "::geo::point");
}

TEST(plan, stubs_clash_on_canonical_parameter_types) {
  model::function a = make("f", "/src/api.hpp", 1);
  model::function b = make("f", "/src/api.hpp", 2);
  b.id = "app::v1::f(int)";
  b.qualified_name = "app::v1::f";
  b.namespaces = {{"app", false}, {"v1", true}};
  b.parameters = {{"x", "::std::int32_t", "::std::int32_t", "", ""}};  // an alias of int: the same stub
  model::plan_input input;
  input.functions = {a, b};
  EXPECT_EQ(model::make_plan(input).problems.size(), 1u);
}

}  // namespace
