#include "server/partial_response.h"

#include <string>

namespace imago::server {

using compute::Result;
using compute::Status;
using nlohmann::json;

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Status Parse(FieldSelection* out) {
    IMAGO_RETURN_IF_ERROR(Selection(out, 0));
    if (pos_ != s_.size()) return Bad("unexpected '" + std::string(1, s_[pos_]) + "'");
    return Status::OK();
  }

 private:
  Status Bad(const std::string& why) const {
    return Status::InvalidField("fields", std::string(s_),
                                "Invalid field selection at character " + std::to_string(pos_ + 1) +
                                    ": " + why + " (e.g. items(name,status),nextPageToken).");
  }

  static bool NameChar(char c) {
    return isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '$' || c == '-' ||
           c == '*';
  }

  Status Name(std::string* out) {
    size_t start = pos_;
    while (pos_ < s_.size() && NameChar(s_[pos_])) ++pos_;
    if (pos_ == start) return Bad("a field name is missing");
    *out = std::string(s_.substr(start, pos_ - start));
    return Status::OK();
  }

  Status Selection(FieldSelection* out, int depth) {
    if (depth > 32) return Bad("too deeply nested");
    while (true) {
      while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
      FieldSelection* at = out;
      while (true) {  // path: a/b/c
        std::string name;
        IMAGO_RETURN_IF_ERROR(Name(&name));
        at = &at->fields[name];
        if (pos_ < s_.size() && s_[pos_] == '/') {
          ++pos_;
          continue;
        }
        break;
      }
      if (pos_ < s_.size() && s_[pos_] == '(') {
        ++pos_;
        IMAGO_RETURN_IF_ERROR(Selection(at, depth + 1));
        if (pos_ >= s_.size() || s_[pos_] != ')') return Bad("')' is missing");
        ++pos_;
      }
      while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      return Status::OK();
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<FieldSelection> ParseFieldSelection(std::string_view text) {
  FieldSelection sel;
  Parser p(text);
  IMAGO_RETURN_IF_ERROR(p.Parse(&sel));
  return sel;
}

json ApplyFieldSelection(const FieldSelection& sel, const json& value) {
  if (sel.all()) return value;
  if (value.is_array()) {
    json out = json::array();
    for (const auto& v : value) out.push_back(ApplyFieldSelection(sel, v));
    return out;
  }
  if (!value.is_object()) return value;
  json out = json::object();
  auto star = sel.fields.find("*");
  for (const auto& [key, v] : value.items()) {
    auto it = sel.fields.find(key);
    if (it != sel.fields.end()) {
      out[key] = ApplyFieldSelection(it->second, v);
    } else if (star != sel.fields.end()) {
      out[key] = ApplyFieldSelection(star->second, v);
    }
  }
  return out;
}

}  // namespace imago::server
