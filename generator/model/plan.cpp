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

// Inline namespaces are left out: stubs in app and app::inline_ns are both found as app::fork_x. The
// parameter list comes from the id, whose types are canonical: f(int) and f(std::int32_t) clash too.
std::string stub_key(const function& fn) {
  std::string key;
  for (const auto& scope : fn.namespaces) {
    if (!scope.is_inline) key += scope.name + "::";
  }
  for (const auto& name : fn.classes) key += name + "::";  // a static member's stubs are per class
  const std::size_t open = fn.id.find('(');
  return key + "fork_" + fn.name + (open == std::string::npos ? "()" : fn.id.substr(open));
}

// Functions are in id order; each one's adaptors are already dependencies-first.
std::vector<adaptor> merge_adaptors(const std::vector<function>& functions) {
  std::vector<adaptor> out;
  std::set<std::string> seen;
  for (const auto& fn : functions) {
    for (const auto& a : fn.adaptors) {
      if (seen.insert(a.type).second) out.push_back(a);
    }
  }
  return out;
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

std::string generated_path(const std::string& path, const std::string& source_root) {
  if (source_root.empty()) return generated_file_name(path);
  const fs::path relative = fs::path(path).lexically_normal().lexically_relative(fs::path(source_root).lexically_normal());
  const std::string text = relative.generic_string();
  if (relative.empty() || text.rfind("..", 0) == 0) return generated_file_name(path);  // outside the root
  const fs::path dir = relative.parent_path();
  return dir.empty() ? generated_file_name(path) : (dir / generated_file_name(path)).generic_string();
}

std::string header_output_path(const std::string& path, const std::vector<std::string>& include_dirs,
                               const std::string& source_root) {
  const std::string spelling = include_spelling(path, include_dirs);
  if (fs::path(spelling).is_absolute()) return generated_path(path, source_root);
  const fs::path dir = fs::path(spelling).parent_path();
  return dir.empty() ? generated_file_name(path) : (dir / generated_file_name(path)).generic_string();
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
    const bool is_header = main_files.count(fn.declaring_file) == 0;
    const std::string name = is_header ? header_output_path(fn.declaring_file, input.include_dirs, input.source_root)
                                       : generated_path(fn.declaring_file, input.source_root);
    auto [it, fresh] = owner.emplace(name, fn.declaring_file);
    if (!fresh && it->second != fn.declaring_file) {
      const std::string message = "gofork: '" + it->second + "' and '" + fn.declaring_file +
                                  "' both declare forkable functions and would both generate '" + name +
                                  "'; rename one of them";
      const bool reported = std::any_of(result.problems.begin(), result.problems.end(),
                                        [&](const problem& p) { return p.message == message; });
      if (!reported) {
        // Built field by field: g++ 12 at -O3 reports the braced form's empty position as
        // maybe-uninitialized (a false positive inside std::string).
        problem unlocated;
        unlocated.message = message;
        result.problems.push_back(std::move(unlocated));
      }
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

  // Every source may include its own generated header, even with nothing in it. Beside a
  // same-named header that declares forkables (api.cpp and api.hpp), it forwards to that
  // header's, so `#include "api.gofork.hpp"` means the same in both.
  std::vector<std::string> sources = input.sources;
  std::sort(sources.begin(), sources.end());
  for (const auto& source : sources) {
    const std::string name = generated_path(source, input.source_root);
    if (headers.count(name) != 0) continue;
    auto& header = headers[name];
    header.file_name = name;
    header.source_name = file_name(source);
    const fs::path source_path(source);
    for (const auto& [declared_name, declaring_file] : owner) {
      const fs::path declaring(declaring_file);
      if (declared_name == name || declaring.parent_path() != source_path.parent_path() ||
          declaring.stem() != source_path.stem()) {
        continue;
      }
      const fs::path from = fs::path(name).parent_path();
      header.forward_to = fs::path(declared_name).lexically_relative(from.empty() ? fs::path(".") : from).generic_string();
      break;
    }
  }

  for (auto& entry : headers) {
    entry.second.adaptors = merge_adaptors(entry.second.functions);
    result.headers.push_back(std::move(entry.second));
  }
  return result;
}

}  // namespace gofork::gen::model
