#include "compute/names.h"

#include <fmt/format.h>

namespace imago::compute {
namespace {

bool IsLower(char c) {
  return c >= 'a' && c <= 'z';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Number of UTF-8 code points (GCE counts label lengths in characters).
size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// A label character: lower-case ASCII letter, digit, '_', '-', or any
// non-ASCII byte (international characters; GCE allows lower-case ones).
bool IsLabelChar(unsigned char c) {
  return IsLower(static_cast<char>(c)) || IsDigit(static_cast<char>(c)) || c == '_' || c == '-' ||
         c >= 0x80;
}

}  // namespace

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  if (!IsLower(name.front())) return false;
  if (name.back() == '-') return false;
  for (char c : name) {
    if (!IsLower(c) && !IsDigit(c) && c != '-') return false;
  }
  return true;
}

std::vector<std::string> ExplainNameViolations(std::string_view name) {
  std::vector<std::string> out;
  if (name.empty()) {
    out.push_back("it is empty; a name has 1 to 63 characters");
    return out;
  }
  if (name.size() > kMaxNameLength) {
    out.push_back(fmt::format("it has {} characters; at most 63 are allowed", name.size()));
  }
  if (!IsLower(name.front())) {
    out.push_back(fmt::format("it starts with '{}'; a name must start with a lower-case letter",
                              name.front()));
  }
  if (name.size() > 1 && name.back() == '-') {
    out.push_back("it ends with '-'; a name must end with a lower-case letter or a digit");
  }
  bool upper_seen = false;
  std::string bad;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') {
      upper_seen = true;
    } else if (!IsLower(c) && !IsDigit(c) && c != '-') {
      if (bad.size() < 40) bad += fmt::format(" '{}' at {}", c, i + 1);
    }
  }
  if (upper_seen) out.push_back("it has upper-case letters; only lower-case letters are allowed");
  if (!bad.empty()) {
    out.push_back("it has characters other than a-z, 0-9 and '-':" + bad);
  }
  return out;
}

Status ValidateName(std::string_view field, std::string_view name) {
  auto why = ExplainNameViolations(name);
  if (why.empty()) return Status::OK();
  return Status::InvalidField(
      std::string(field), std::string(name),
      fmt::format("Must be a match of regex '{}': {}.", kNamePattern, why.front()));
}

Status ValidateProject(std::string_view project) {
  std::string_view id = project;
  if (auto colon = project.rfind(':'); colon != std::string_view::npos) {
    std::string_view domain = project.substr(0, colon);
    id = project.substr(colon + 1);
    if (domain.empty()) {
      return Status::InvalidField("project", std::string(project), "The domain part is empty.");
    }
    for (char c : domain) {
      if (!IsLower(c) && !IsDigit(c) && c != '-' && c != '.') {
        return Status::InvalidField("project", std::string(project),
                                    "The domain part may hold only a-z, 0-9, '-' and '.'.");
      }
    }
  }
  bool numeric = !id.empty() && id.size() <= 19;
  for (char c : id) numeric = numeric && IsDigit(c);
  if (numeric) return Status::OK();
  if (id.empty() || id.size() > 63 || !(IsLower(id.front()) || IsDigit(id.front())) ||
      id.back() == '-') {
    return Status::InvalidField("project", std::string(project),
                                "A project id has 1 to 63 lower-case letters, digits or '-'.");
  }
  for (char c : id) {
    if (!IsLower(c) && !IsDigit(c) && c != '-') {
      return Status::InvalidField("project", std::string(project),
                                  "A project id has 1 to 63 lower-case letters, digits or '-'.");
    }
  }
  return Status::OK();
}

Status ValidateLabelKey(std::string_view field, std::string_view key) {
  size_t len = Utf8Length(key);
  if (len == 0 || len > 63) {
    return Status::InvalidField(std::string(field), std::string(key),
                                "A label key has 1 to 63 characters.");
  }
  unsigned char first = static_cast<unsigned char>(key.front());
  if (!IsLower(static_cast<char>(first)) && first < 0x80) {
    return Status::InvalidField(std::string(field), std::string(key),
                                "A label key must start with a lower-case letter.");
  }
  for (unsigned char c : key) {
    if (!IsLabelChar(c)) {
      return Status::InvalidField(
          std::string(field), std::string(key),
          "A label key may hold only lower-case letters, digits, '_' and '-'.");
    }
  }
  return Status::OK();
}

Status ValidateLabelValue(std::string_view field, std::string_view key, std::string_view value) {
  if (Utf8Length(value) > 63) {
    return Status::InvalidField(fmt::format("{}.{}", field, key), std::string(value),
                                "A label value has at most 63 characters.");
  }
  for (unsigned char c : value) {
    if (!IsLabelChar(c)) {
      return Status::InvalidField(
          fmt::format("{}.{}", field, key), std::string(value),
          "A label value may hold only lower-case letters, digits, '_' and '-'.");
    }
  }
  return Status::OK();
}

Status ValidateLabels(std::string_view field, const std::map<std::string, std::string>& labels) {
  if (labels.size() > 64) {
    return Status::InvalidField(std::string(field), fmt::format("{} labels", labels.size()),
                                "A resource has at most 64 labels.");
  }
  for (const auto& [k, v] : labels) {
    IMAGO_RETURN_IF_ERROR(ValidateLabelKey(field, k));
    IMAGO_RETURN_IF_ERROR(ValidateLabelValue(field, k, v));
  }
  return Status::OK();
}

Status ValidateRequestId(std::string_view id) {
  static const int kGroups[] = {8, 4, 4, 4, 12};
  size_t p = 0;
  bool all_zero = true;
  bool ok = id.size() == 36;
  for (int g = 0; ok && g < 5; ++g) {
    for (int i = 0; i < kGroups[g]; ++i, ++p) {
      if (!IsHex(id[p])) ok = false;
      if (id[p] != '0') all_zero = false;
    }
    if (ok && g < 4 && id[p++] != '-') ok = false;
  }
  if (!ok) {
    return Status::InvalidField("requestId", std::string(id),
                                "The request ID must be a valid UUID.");
  }
  if (all_zero) {
    return Status::InvalidField("requestId", std::string(id),
                                "The zero UUID is not a valid request ID.");
  }
  return Status::OK();
}

}  // namespace imago::compute
