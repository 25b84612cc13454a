#include "model/plan.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

namespace gofork::gen::model {
namespace {

namespace fs = std::filesystem;

std::string file_name(const std::string& path) { return fs::path(path).filename().string(); }

auto position_key(const function& fn) {
  return std::make_tuple(fn.position.file, fn.position.line, fn.position.column);
}

// Inline namespaces are left out: stubs in app and app::inline_ns are both found as app::fork_x.
std::string stub_key(const function& fn) {
  std::string key;
  for (const auto& scope : fn.namespaces) {
    if (!scope.is_inline) key += scope.name + "::";
  }
  key += "fork_" + fn.name + "(";
  for (const auto& p : fn.parameters) key += p.type + ",";
  return key + ")";
}

std::string stub_signature(const function& fn) {
  std::string out = "fork_" + fn.name + "(";
  for (std::size_t i = 0; i < fn.parameters.size(); ++i) {
    if (i != 0) out += ", ";
    out += fn.parameters[i].type;
  }
  return out + ")";
}

}  // namespace

std::string generated_file_name(const std::string& path) {
  return fs::path(path).filename().replace_extension().string() + ".gofork.hpp";
}

std::string include_spelling(const std::string& path, const std::vector<std::string>& include_dirs) {
  const fs::path file = fs::path(path).lexically_normal();
  std::string best;
  for (const auto& dir : include_dirs) {
    fs::path base = fs::path(dir).lexically_normal();
    if (!base.has_filename()) base = base.parent_path();  // "dir/" -> "dir"
    const fs::path relative = file.lexically_relative(base);
    if (relative.empty()) continue;
    const std::string text = relative.generic_string();
    if (text == "." || text.rfind("..", 0) == 0) continue;  // not inside this directory
    if (best.empty() || text.size() < best.size()) best = text;
  }
  return best.empty() ? file.generic_string() : best;
}

plan make_plan(const plan_input& input) {
  plan result;

  // Deduplicate: the same declaration seen from several TUs is one function.
  std::vector<function> all = input.functions;
  std::sort(all.begin(), all.end(), [](const function& a, const function& b) {
    return std::tie(a.id, a.position.file, a.position.line, a.position.column) <
           std::tie(b.id, b.position.file, b.position.line, b.position.column);
  });
  all.erase(std::unique(all.begin(), all.end(),
                        [](const function& a, const function& b) {
                          return a.id == b.id && position_key(a) == position_key(b);
                        }),
            all.end());

  // One id with two attributed declarations (TUs that never see both) would emit the stub twice.
  // Two ids with the same stub would make the stubs ambiguous or redefined.
  std::map<std::string, const function*> by_id;
  std::map<std::string, const function*> by_stub;
  for (const auto& fn : all) {
    if (auto [it, fresh] = by_id.emplace(fn.id, &fn); !fresh) {
      result.problems.push_back({fn.position,
                                 "gofork: stub name clash: forkable function '" + fn.id +
                                     "' carries the attribute on two declarations that no single translation "
                                     "unit sees together; put it on one declaration only",
                                 {{it->second->position, "other declaration is here"}}});
      continue;
    }
    if (auto [it, fresh] = by_stub.emplace(stub_key(fn), &fn); !fresh) {
      result.problems.push_back({fn.position,
                                 "gofork: stub name clash: forkable functions '" + it->second->id + "' and '" + fn.id +
                                     "' would both generate '" + stub_signature(fn) + "'",
                                 {{it->second->position, "other forkable function is here"}}});
      continue;
    }
    result.functions.push_back(fn);
  }

  // Group by generated file; two declaring files must not share a stem.
  std::map<std::string, generated_header> headers;
  std::map<std::string, std::string> owner;  // generated file name -> declaring file
  const std::set<std::string> main_files(input.main_files.begin(), input.main_files.end());
  for (const auto& fn : result.functions) {
    const std::string name = generated_file_name(fn.declaring_file);
    auto [it, fresh] = owner.emplace(name, fn.declaring_file);
    if (!fresh && it->second != fn.declaring_file) {
      const std::string message = "gofork: '" + it->second + "' and '" + fn.declaring_file +
                                  "' both declare forkable functions and would both generate '" + name +
                                  "'; rename one of them";
      const bool reported = std::any_of(result.problems.begin(), result.problems.end(),
                                        [&](const problem& p) { return p.message == message; });
      if (!reported) result.problems.push_back({{}, message, {}});
      continue;
    }
    auto& header = headers[name];
    if (fresh) {
      header.file_name = name;
      header.source_name = file_name(fn.declaring_file);
      if (main_files.count(fn.declaring_file) == 0) {
        header.include = include_spelling(fn.declaring_file, input.include_dirs);
      }
    }
    header.functions.push_back(fn);
  }

  // Every source may include its own generated header, even with nothing in it.
  std::vector<std::string> sources = input.sources;
  std::sort(sources.begin(), sources.end());
  for (const auto& source : sources) {
    const std::string name = generated_file_name(source);
    if (headers.count(name) != 0) continue;
    auto& header = headers[name];
    header.file_name = name;
    header.source_name = file_name(source);
  }

  for (auto& entry : headers) result.headers.push_back(std::move(entry.second));
  return result;
}

}  // namespace gofork::gen::model
