#include "cli/projection.h"

#include <algorithm>
#include <cctype>
#include <iostream>

#include <fmt/format.h>

#include "base/strings.h"
#include "cli/output.h"

namespace imago::cli {
namespace {

using Json = nlohmann::json;
using compute::Result;
using compute::Status;

constexpr const char* kAccepted =
    "use json, yaml, table, or table(KEY,...), value(KEY,...), csv(KEY,...), get(KEY), "
    "json(KEY,...), yaml(KEY,...) (docs/cli.md)";

Status FormatError(const std::string& format, const std::string& what) {
  return Status::Invalid(fmt::format("--format '{}': {}; {}", format, what, kAccepted));
}

/// Splits `text` at top-level `sep` (not inside quotes or parentheses).
/// False when a quote or a parenthesis is not closed.
bool SplitTop(const std::string& text, char sep, std::vector<std::string>* out) {
  std::string cur;
  int depth = 0;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
      cur += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      cur += c;
    } else if (c == '(') {
      ++depth;
      cur += c;
    } else if (c == ')') {
      if (--depth < 0) return false;
      cur += c;
    } else if (c == sep && depth == 0) {
      out->push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (quote || depth != 0) return false;
  out->push_back(cur);
  return true;
}

std::string Unquote(const std::string& s) {
  std::string t = base::Trim(s);
  if (t.size() >= 2 && (t.front() == '\'' || t.front() == '"') && t.back() == t.front()) {
    return t.substr(1, t.size() - 2);
  }
  return t;
}

bool IsKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

const std::vector<std::string>& Transforms() {
  static const std::vector<std::string> names = {"basename", "join", "len", "lower", "upper"};
  return names;
}

/// "creationTimestamp" -> "CREATION_TIMESTAMP", "networkIP" -> "NETWORK_IP".
std::string Header(const std::string& key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    bool upper = std::isupper(static_cast<unsigned char>(c));
    if (upper && i > 0 && !std::isupper(static_cast<unsigned char>(key[i - 1]))) out += '_';
    out += (c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

Result<ProjectionKey> ParseKey(const std::string& format, const std::string& text) {
  ProjectionKey key;
  std::string body = base::Trim(text);
  std::string attrs;
  // `:label=X` after the key (a ':' outside quotes and parentheses).
  std::vector<std::string> parts;
  if (!SplitTop(body, ':', &parts))
    return FormatError(format, "a quote or parenthesis is not closed");
  body = base::Trim(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string a = base::Trim(parts[i]);
    if (a.starts_with("label=")) {
      key.label = Unquote(a.substr(6));
    } else {
      return FormatError(
          format, fmt::format("unknown key attribute '{}' of '{}' (imago knows label=)", a, body));
    }
  }
  if (body.empty()) return FormatError(format, "an empty key");
  size_t i = 0;
  std::string last;  // The last named segment: the default header.
  while (i < body.size()) {
    size_t start = i;
    while (i < body.size() && IsKeyChar(body[i])) ++i;
    std::string word = body.substr(start, i - start);
    if (word.empty()) {
      return FormatError(format,
                         fmt::format("'{}' is not a key (a key is name.name[0].name)", body));
    }
    if (i < body.size() && body[i] == '(') {  // A transform: word(args).
      if (std::find(Transforms().begin(), Transforms().end(), word) == Transforms().end()) {
        return FormatError(format, fmt::format("unknown transform {}() (imago knows {}())", word,
                                               fmt::join(Transforms(), "(), ")));
      }
      size_t close = body.find(')', i);
      std::vector<std::string> args;
      std::string inner = body.substr(i + 1, close == std::string::npos ? 0 : close - i - 1);
      if (close == std::string::npos || !SplitTop(inner, ',', &args)) {
        return FormatError(format, fmt::format("{}( is not closed", word));
      }
      for (auto& a : args) a = Unquote(a);
      if (args.size() == 1 && args[0].empty()) args.clear();
      key.transforms.emplace_back(word, args);
      i = close + 1;
    } else {
      if (!key.transforms.empty()) {
        return FormatError(format, fmt::format("'{}': a key cannot follow a transform", body));
      }
      key.path.push_back(word);
      last = word;
      while (i < body.size() && body[i] == '[') {
        size_t close = body.find(']', i);
        if (close == std::string::npos)
          return FormatError(format, fmt::format("'{}': [ is not closed", body));
        std::string idx = body.substr(i + 1, close - i - 1);
        if (!idx.empty() && idx.find_first_not_of("0123456789") != std::string::npos) {
          return FormatError(format,
                             fmt::format("'{}': [{}] is not a list index ([0] or [])", body, idx));
        }
        key.path.push_back(idx.empty() ? "[]" : idx);
        i = close + 1;
      }
    }
    if (i < body.size()) {
      if (body[i] != '.') {
        return FormatError(format,
                           fmt::format("'{}' is not a key (a key is name.name[0].name)", body));
      }
      ++i;
      if (i == body.size()) return FormatError(format, fmt::format("'{}' ends with '.'", body));
    }
  }
  if (key.path.empty()) return FormatError(format, fmt::format("'{}' names no key", body));
  key.name = last;
  if (key.label.empty()) key.label = Header(last);
  return key;
}

Json Walk(const Json& j, const std::vector<std::string>& path, size_t i) {
  if (i == path.size()) return j;
  const std::string& seg = path[i];
  if (seg == "[]") {
    if (!j.is_array()) return nullptr;
    Json out = Json::array();
    for (const auto& item : j) {
      Json v = Walk(item, path, i + 1);
      if (!v.is_null()) out.push_back(std::move(v));
    }
    return out;
  }
  if (j.is_array() && seg.find_first_not_of("0123456789") == std::string::npos) {
    size_t n = std::stoul(seg);
    return n < j.size() ? Walk(j[n], path, i + 1) : Json(nullptr);
  }
  if (j.is_object()) {
    auto it = j.find(seg);
    return it == j.end() ? Json(nullptr) : Walk(*it, path, i + 1);
  }
  return nullptr;
}

/// A cell: strings as they are, true/false as gcloud prints them, lists
/// joined by `list_sep`, maps as k=v pairs.
std::string Render(const Json& v, const std::string& list_sep) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_array()) {
    std::string s;
    for (const auto& item : v) s += (s.empty() ? "" : list_sep) + Render(item, list_sep);
    return s;
  }
  if (v.is_object()) {
    std::string s;
    for (const auto& [k, item] : v.items()) {
      s += (s.empty() ? "" : list_sep) + k + "=" + Render(item, list_sep);
    }
    return s;
  }
  return v.dump();
}

Json Apply(const std::string& name, const std::vector<std::string>& args, const Json& v) {
  if (name == "join") return Render(v, args.empty() ? "," : args[0]);
  if (name == "len") {
    if (v.is_string()) return v.get<std::string>().size();
    return v.is_structured() ? v.size() : 0;
  }
  if (v.is_array()) {  // The others apply to each item.
    Json out = Json::array();
    for (const auto& item : v) out.push_back(Apply(name, args, item));
    return out;
  }
  if (!v.is_string()) return v;
  std::string s = v.get<std::string>();
  if (name == "basename") {
    while (!s.empty() && s.back() == '/') s.pop_back();
    return s.substr(s.rfind('/') == std::string::npos ? 0 : s.rfind('/') + 1);
  }
  for (auto& c : s) {
    c = name == "upper" ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                        : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

std::string CsvField(const std::string& s, char sep) {
  if (s.find_first_of(std::string(1, sep) + "\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

bool IsPlainFormat(const std::string& format) {
  return format == "json" || format == "yaml" || format == "table";
}

Result<Projection> ParseProjection(const std::string& format) {
  Projection p;
  std::string text = base::Trim(format);
  size_t i = 0;
  while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
  p.kind = text.substr(0, i);
  static const std::vector<std::string> kinds = {"table", "value", "csv", "get", "json", "yaml"};
  if (std::find(kinds.begin(), kinds.end(), p.kind) == kinds.end()) {
    return FormatError(format, p.kind.empty() ? std::string("no format name")
                                              : fmt::format("unknown format '{}'", p.kind));
  }
  if (i < text.size() && text[i] == '[') {
    size_t close = text.find(']', i);
    if (close == std::string::npos) return FormatError(format, "[ is not closed");
    std::vector<std::string> attrs;
    if (!SplitTop(text.substr(i + 1, close - i - 1), ',', &attrs)) {
      return FormatError(format, "a quote is not closed");
    }
    for (const auto& raw : attrs) {
      std::string a = base::Trim(raw);
      if (a == "no-heading") {
        p.heading = false;
      } else if (a.starts_with("separator=")) {
        p.separator = Unquote(a.substr(10));
      } else if (!a.empty()) {
        return FormatError(
            format, fmt::format("unknown attribute '{}' (imago knows no-heading, separator=X)", a));
      }
    }
    i = close + 1;
  }
  if (i < text.size()) {
    if (text[i] != '(' || text.back() != ')') {
      return FormatError(format, fmt::format("'{}' is not (KEY,...)", text.substr(i)));
    }
    std::vector<std::string> keys;
    if (!SplitTop(text.substr(i + 1, text.size() - i - 2), ',', &keys)) {
      return FormatError(format, "a quote or parenthesis is not closed");
    }
    for (const auto& k : keys) {
      if (base::Trim(k).empty()) continue;
      Result<ProjectionKey> key = ParseKey(format, k);
      if (!key.ok()) return key.status();
      p.keys.push_back(std::move(*key));
    }
  }
  if (p.keys.empty() && p.kind != "json" && p.kind != "yaml") {
    return FormatError(format, fmt::format("{} needs keys, e.g. {}(name)", p.kind, p.kind));
  }
  return p;
}

Json ProjectKey(const ProjectionKey& key, const Json& resource) {
  Json v = Walk(resource, key.path, 0);
  for (const auto& [name, args] : key.transforms) v = Apply(name, args, v);
  return v;
}

void PrintProjected(std::ostream& out, const Projection& p, const std::vector<Json>& rows,
                    bool one) {
  if (p.kind == "json" || p.kind == "yaml") {
    std::vector<Json> projected;
    for (const auto& r : rows) {
      if (p.keys.empty()) {
        projected.push_back(r);
        continue;
      }
      Json o = Json::object();
      for (const auto& k : p.keys) {
        bool plain = k.transforms.empty() &&
                     std::none_of(k.path.begin(), k.path.end(), [](const std::string& s) {
                       return s == "[]" || s.find_first_not_of("0123456789") == std::string::npos;
                     });
        Json v = ProjectKey(k, r);
        if (v.is_null()) continue;
        if (plain) {
          std::string ptr;
          for (const auto& s : k.path) ptr += "/" + s;
          o[Json::json_pointer(ptr)] = v;
        } else {
          o[k.label] = v;
        }
      }
      projected.push_back(std::move(o));
    }
    if (p.kind == "json") {
      Json all = one && projected.size() == 1 ? projected[0] : Json(projected);
      out << all.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    } else {
      for (const auto& o : projected) out << (one ? "" : "---\n") << ToYaml(o);
    }
    return;
  }
  if (p.kind == "table") {
    if (rows.empty()) {
      std::cerr << "Listed 0 items.\n";
      return;
    }
    std::vector<Column> cols;
    for (const auto& k : p.keys) {
      cols.push_back({k.label, [&k](const Json& r) { return Render(ProjectKey(k, r), ","); }});
    }
    PrintTable(out, rows, cols, p.heading);
    return;
  }
  // value, get, csv: one line a resource.
  bool csv = p.kind == "csv";
  std::string sep = !p.separator.empty() ? p.separator : csv ? "," : "\t";
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t i = 0; i < cells.size(); ++i) {
      s += (i ? sep : "") + (csv ? CsvField(cells[i], sep[0]) : cells[i]);
    }
    out << s << "\n";
  };
  if (csv && p.heading && !rows.empty()) {
    std::vector<std::string> heads;
    for (const auto& k : p.keys) {
      heads.push_back(k.label == Header(k.name) ? k.name : k.label);
    }
    line(heads);
  }
  for (const auto& r : rows) {
    std::vector<std::string> cells;
    for (const auto& k : p.keys) cells.push_back(Render(ProjectKey(k, r), ";"));
    line(cells);
  }
}

}  // namespace imago::cli
