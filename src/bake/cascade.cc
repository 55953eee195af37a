#include "bake/cascade.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <set>

#include <fmt/format.h>

namespace imago::bake {

using compute::Result;
using compute::Status;

Result<std::vector<BakeSpec>> LoadSpecDir(const std::string& dir, const VarValues& vars) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::Invalid("--specs " + dir + " is not a directory");
  std::vector<std::string> paths;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<BakeSpec> out;
  for (const auto& p : paths) {
    auto s = LoadSpec(p, vars, /*strict=*/false);
    if (!s.ok()) return s.status();
    out.push_back(std::move(*s));
  }
  return out;
}

Result<std::vector<BakeSpec>> PlanBakes(const std::vector<BakeSpec>& given,
                                        const std::vector<BakeSpec>& pool, bool cascade) {
  auto file = [](const BakeSpec& s) { return std::filesystem::path(s.path).filename().string(); };
  // Every spec known, by path; the maker of each family.
  std::map<std::string, const BakeSpec*> by_path;
  for (const auto& s : pool) by_path[s.path] = &s;
  for (const auto& s : given) by_path[s.path] = &s;
  std::map<std::string, const BakeSpec*> maker;
  for (const auto& [path, s] : by_path) {
    auto [it, fresh] = maker.emplace(s->family, s);
    if (!fresh) {
      return Status::Invalid(fmt::format("{} and {} both make family {}: one spec per family",
                                         file(*it->second), file(*s), s->family));
    }
  }
  // Which specs to bake.
  std::set<std::string> chosen;
  for (const auto& s : given) chosen.insert(s.path);
  if (cascade) {
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& [path, s] : by_path) {
        if (chosen.count(path) || s->source_family.empty()) continue;
        auto m = maker.find(s->source_family);
        if (m != maker.end() && chosen.count(m->second->path)) grew = chosen.insert(path).second;
      }
    }
  }
  // Parents first (depth-first), with cycles found on the way among every
  // spec known (a cycle anywhere in the hierarchy is an error).
  std::vector<BakeSpec> order;
  std::map<std::string, int> mark;  // 1: on the path, 2: done.
  std::vector<const BakeSpec*> path;
  std::function<Status(const BakeSpec*)> visit = [&](const BakeSpec* s) -> Status {
    if (mark[s->path] == 2) return Status::OK();
    if (mark[s->path] == 1) {
      auto from = std::find(path.begin(), path.end(), s);
      std::string cycle;
      for (auto it = from; it != path.end(); ++it) {
        cycle += fmt::format("{} (family {}) -> ", file(**it), (*it)->family);
      }
      return Status::Invalid("the specs form a cycle: " + cycle + file(*s));
    }
    mark[s->path] = 1;
    path.push_back(s);
    if (!s->source_family.empty()) {
      auto m = maker.find(s->source_family);
      if (m != maker.end()) IMAGO_RETURN_IF_ERROR(visit(m->second));
    }
    path.pop_back();
    mark[s->path] = 2;
    if (chosen.count(s->path)) order.push_back(*s);
    return Status::OK();
  };
  for (const auto& s : given) IMAGO_RETURN_IF_ERROR(visit(by_path[s.path]));
  for (const auto& [p, s] : by_path) IMAGO_RETURN_IF_ERROR(visit(s));
  return order;
}

std::string NewRunId() {
  std::random_device rd;
  std::mt19937_64 rng((uint64_t{rd()} << 32) | rd());
  uint64_t a = rng(), b = rng();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xffff,
                     b >> 48, b & 0xffffffffffffULL);
}

}  // namespace imago::bake
