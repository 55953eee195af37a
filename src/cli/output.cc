#include "cli/output.h"

#include <unistd.h>
#include <iostream>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "cli/projection.h"

namespace imago::cli {
namespace {

const Projection* g_projection = nullptr;

void EmitYaml(YAML::Emitter& e, const Json& j) {
  if (j.is_object()) {
    e << YAML::BeginMap;
    for (const auto& [k, v] : j.items()) {
      e << YAML::Key << k << YAML::Value;
      EmitYaml(e, v);
    }
    e << YAML::EndMap;
  } else if (j.is_array()) {
    e << YAML::BeginSeq;
    for (const auto& v : j) EmitYaml(e, v);
    e << YAML::EndSeq;
  } else if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    // Quote strings YAML would read as another type ("10", "true", "").
    bool plain = !s.empty() && s.find_first_not_of("0123456789.-+") != std::string::npos &&
                 s != "true" && s != "false" && s != "null" && s != "~" && s != "yes" && s != "no";
    if (plain) {
      e << s;
    } else {
      e << YAML::SingleQuoted << s;
    }
  } else if (j.is_null()) {
    e << YAML::Null;
  } else {
    e << j.dump();
  }
}

void Flatten(const Json& j, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>* out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) Flatten(v, prefix.empty() ? k : prefix + "." + k, out);
  } else if (j.is_array()) {
    bool scalars =
        std::all_of(j.begin(), j.end(), [](const Json& v) { return !v.is_structured(); });
    if (scalars) {
      std::string s;
      for (const auto& v : j)
        s += (s.empty() ? "" : ", ") + (v.is_string() ? v.get<std::string>() : v.dump());
      out->emplace_back(prefix, s);
    } else {
      for (size_t i = 0; i < j.size(); ++i)
        Flatten(j[i], prefix + "[" + std::to_string(i) + "]", out);
    }
  } else {
    out->emplace_back(prefix, j.is_string() ? j.get<std::string>() : j.dump());
  }
}

}  // namespace

std::string Field(const Json& j, const std::string& dotted) {
  const Json* cur = &j;
  size_t start = 0;
  while (true) {
    size_t dot = dotted.find('.', start);
    std::string key = dotted.substr(start, dot == std::string::npos ? dot : dot - start);
    if (cur->is_array() && !key.empty() &&
        key.find_first_not_of("0123456789") == std::string::npos) {
      size_t i = std::stoul(key);
      if (i >= cur->size()) return "";
      cur = &(*cur)[i];
    } else if (!cur->is_object() || !cur->contains(key)) {
      return "";
    } else {
      cur = &(*cur)[key];
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_null()) return "";
  return cur->dump();
}

void SetProjection(const Projection* projection) {
  g_projection = projection;
}

void PrintTable(std::ostream& out, const std::vector<Json>& rows, const std::vector<Column>& cols,
                bool heading) {
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> width;
  for (const auto& c : cols) width.push_back(c.header.size());
  for (const auto& r : rows) {
    std::vector<std::string> line;
    for (size_t i = 0; i < cols.size(); ++i) {
      line.push_back(cols[i].cell(r));
      width[i] = std::max(width[i], line.back().size());
    }
    cells.push_back(std::move(line));
  }
  auto emit = [&](const std::vector<std::string>& line) {
    std::string s;
    for (size_t i = 0; i < line.size(); ++i) {
      s += line[i];
      if (i + 1 < line.size()) s += std::string(width[i] - line[i].size() + 2, ' ');
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    out << s << "\n";
  };
  std::vector<std::string> headers;
  for (const auto& c : cols) headers.push_back(c.header);
  if (heading) emit(headers);
  for (const auto& line : cells) emit(line);
}

void PrintKeyValues(std::ostream& out, const Json& resource) {
  std::vector<std::pair<std::string, std::string>> kv;
  Flatten(resource, "", &kv);
  size_t w = 0;
  for (const auto& [k, v] : kv) w = std::max(w, k.size());
  for (const auto& [k, v] : kv) out << k << ":" << std::string(w - k.size() + 2, ' ') << v << "\n";
}

std::string ToYaml(const Json& value) {
  YAML::Emitter e;
  EmitYaml(e, value);
  return std::string(e.c_str()) + "\n";
}

void PrintResource(std::ostream& out, Format format, const Json& resource) {
  if (g_projection) {
    PrintProjected(out, *g_projection, {resource}, /*one=*/true);
    return;
  }
  switch (format) {
    case Format::kJson:
      out << resource.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
      break;
    case Format::kYaml:
      out << ToYaml(resource);
      break;
    case Format::kTable:
      PrintKeyValues(out, resource);
      break;
  }
}

void PrintList(std::ostream& out, Format format, const std::vector<Json>& rows,
               const std::vector<Column>& cols) {
  if (g_projection) {
    PrintProjected(out, *g_projection, rows);
    return;
  }
  switch (format) {
    case Format::kJson:
      out << Json(rows).dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
      break;
    case Format::kYaml:
      for (const auto& r : rows) out << "---\n" << ToYaml(r);
      break;
    case Format::kTable:
      // As gcloud: an empty list is a line on stderr, not a bare header.
      if (rows.empty()) {
        std::cerr << "Listed 0 items.\n";
      } else {
        PrintTable(out, rows, cols);
      }
      break;
  }
}

std::string HumanBytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, units[u]);
}

Progress::Progress(std::string what)
    : what_(std::move(what)),
      tty_(isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() {
  Finish();
}

void Progress::Update(uint64_t done, uint64_t total) {
  if (!tty_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(100) && done < total) return;
  last_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  int pct = total ? static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total))
                  : 100;
  fprintf(stderr, "\r%s: %s / %s (%d%%) %s/s  %.1fs   ", what_.c_str(), HumanBytes(done).c_str(),
          HumanBytes(total).c_str(), pct, HumanBytes(static_cast<uint64_t>(rate)).c_str(), secs);
  shown_ = true;
}

void Progress::Finish() {
  if (shown_) {
    fprintf(stderr, "\n");
    shown_ = false;
  }
}

}  // namespace imago::cli
