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
  fn.parameters = {{"x", "int", "int"}};
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

}  // namespace
