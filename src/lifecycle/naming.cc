#include "lifecycle/naming.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <re2/re2.h>
#include <nlohmann/json.hpp>

#include "compute/names.h"

namespace imago::lifecycle {

using compute::Result;
using compute::Status;

namespace {

struct Piece {
  bool placeholder = false;
  std::string text;  // Literal text, or the placeholder's name.
};

const char* const kFields[] = {"os", "role", "software", "version", "family", "date", "time"};

Result<std::vector<Piece>> Split(const std::string& tmpl) {
  std::vector<Piece> out;
  std::string lit;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c == '}') {
      return Status::InvalidField("template", tmpl, "A '}' has no '{' before it.");
    }
    if (c != '{') {
      lit += c;
      continue;
    }
    size_t end = tmpl.find('}', i);
    if (end == std::string::npos) {
      return Status::InvalidField("template", tmpl, "A '{' is not closed.");
    }
    std::string name = tmpl.substr(i + 1, end - i - 1);
    bool known = false;
    for (const char* f : kFields) known = known || name == f;
    if (!known) {
      return Status::InvalidField(
          "template", tmpl,
          "Unknown placeholder {" + name +
              "}; use {os}, {role}, {software}, {version}, {family}, {date} or {time}.");
    }
    if (!lit.empty()) out.push_back({false, lit});
    lit.clear();
    out.push_back({true, name});
    i = end;
  }
  if (!lit.empty()) out.push_back({false, lit});
  return out;
}

std::string Sha256Hex6(const std::string& s) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  return fmt::format("{:02x}{:02x}{:02x}", d[0], d[1], d[2]);
}

std::string TrimDashes(std::string s) {
  while (!s.empty() && s.back() == '-') s.pop_back();
  while (!s.empty() && s.front() == '-') s.erase(s.begin());
  return s;
}

}  // namespace

std::string Sanitize(const std::string& text) {
  std::string out;
  bool dash = false;
  for (unsigned char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (dash && !out.empty()) out += '-';
      out += static_cast<char>(c);
      dash = false;
    } else {
      dash = true;
    }
  }
  return out;
}

Status ValidateTemplate(const std::string& tmpl) {
  if (tmpl.empty()) return Status::InvalidField("template", tmpl, "A template is not empty.");
  auto pieces = Split(tmpl);
  if (!pieces.ok()) return pieces.status();
  for (const Piece& p : *pieces) {
    if (p.placeholder) continue;
    for (char c : p.text) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return Status::InvalidField("template", tmpl,
                                    fmt::format("The literal text '{}' may hold only a-z, 0-9 and "
                                                "'-'.",
                                                p.text));
      }
    }
  }
  return Status::OK();
}

namespace {

std::string CollapseDashes(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '-' && !out.empty() && out.back() == '-') continue;
    out += c;
  }
  return TrimDashes(out);
}

}  // namespace

Result<std::string> RenderName(const std::string& tmpl, const NameParts& parts) {
  IMAGO_RETURN_IF_ERROR(ValidateTemplate(tmpl));
  auto pieces = Split(tmpl);
  int64_t secs = parts.when / compute::kMicrosPerSecond;
  std::string stamp = compute::FormatRfc3339(secs * compute::kMicrosPerSecond);
  std::string date = stamp.substr(0, 4) + stamp.substr(5, 2) + stamp.substr(8, 2);
  std::string time = stamp.substr(11, 2) + stamp.substr(14, 2) + stamp.substr(17, 2);
  // `head` is what may be shortened; `tail` starts at the word holding the
  // first {date} ("v20261126-153000") and is always kept whole.
  std::string head, tail;
  bool in_tail = false;
  for (const Piece& p : *pieces) {
    std::string& out = in_tail ? tail : head;
    if (!p.placeholder) {
      out += p.text;
      continue;
    }
    if (p.text == "date" && !in_tail) {
      size_t word = head.rfind('-');
      word = word == std::string::npos ? 0 : word + 1;
      tail = head.substr(word) + date;
      head.resize(word);
      in_tail = true;
      continue;
    }
    if (p.text == "date" || p.text == "time") {
      out += p.text == "date" ? date : time;
      continue;
    }
    const std::string* v = p.text == "os"         ? &parts.os
                           : p.text == "role"     ? &parts.role
                           : p.text == "software" ? &parts.software
                           : p.text == "version"  ? &parts.version
                                                  : &parts.family;
    std::string clean = Sanitize(*v);
    if (clean.empty()) {
      return Status::InvalidField("--" + p.text, *v,
                                  "The naming template uses {" + p.text + "}: give it a value.");
    }
    out += clean;
  }
  head = CollapseDashes(head);
  tail = CollapseDashes(tail);
  std::string name = head.empty() ? tail : (tail.empty() ? head : head + "-" + tail);
  if (name.empty() || !(name[0] >= 'a' && name[0] <= 'z')) {
    head = head.empty() && !tail.empty() ? "img" : "img-" + head;
    name = tail.empty() ? head : head + "-" + tail;
  }
  if (name.size() <= compute::kMaxNameLength) return name;
  // Too long: cut the head, mark it with a hash of the full name, keep the tail.
  std::string hash = Sha256Hex6(name);
  size_t fixed = hash.size() + 1 + (tail.empty() ? 0 : tail.size() + 1);
  if (fixed >= compute::kMaxNameLength) {
    return Status::InvalidField("template", tmpl,
                                "The part from {date} on is too long to leave room for a name.");
  }
  head = TrimDashes(head.substr(0, compute::kMaxNameLength - fixed));
  if (head.empty()) head = "img";
  name = head + "-" + hash + (tail.empty() ? "" : "-" + tail);
  return name;
}

std::vector<std::string> CheckName(const std::string& name,
                                   const std::optional<std::string>& tmpl) {
  std::vector<std::string> out = compute::ExplainNameViolations(name);
  if (!tmpl) return out;
  auto pieces = Split(*tmpl);
  if (!pieces.ok()) {
    out.push_back("the template itself is invalid: " + pieces.status().message());
    return out;
  }
  std::string re = "^";
  std::string shape;
  for (const Piece& p : *pieces) {
    if (!p.placeholder) {
      re += RE2::QuoteMeta(p.text);
      shape += p.text;
    } else if (p.text == "date") {
      re += "[0-9]{8}";
      shape += "YYYYMMDD";
    } else if (p.text == "time") {
      re += "[0-9]{6}";
      shape += "HHMMSS";
    } else {
      re += "[a-z0-9]+(?:-[a-z0-9]+)*";
      shape += "<" + p.text + ">";
    }
  }
  re += "$";
  if (!RE2::FullMatch(name, re)) {
    out.push_back("it does not follow the family's naming template " + *tmpl + " (expected " +
                  shape + ")");
  }
  return out;
}

Result<std::map<std::string, std::string>> NamingStore::All() const {
  std::map<std::string, std::string> out;
  std::ifstream in(path_);
  if (!in) return out;  // No file: no templates.
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (!j.is_object() || !j.contains("families") || !j["families"].is_object()) {
    return Status::Unavailable(path_ + " is not a naming file imago wrote; move it away");
  }
  for (const auto& [k, v] : j["families"].items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

Result<std::optional<std::string>> NamingStore::Get(const std::string& family) const {
  auto all = All();
  if (!all.ok()) return all.status();
  auto it = all->find(family);
  if (it == all->end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status NamingStore::Set(const std::string& family, const std::string& tmpl) {
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("family", family));
  if (!tmpl.empty()) IMAGO_RETURN_IF_ERROR(ValidateTemplate(tmpl));
  auto all = All();
  if (!all.ok()) return all.status();
  if (tmpl.empty()) {
    all->erase(family);
  } else {
    (*all)[family] = tmpl;
  }
  nlohmann::json j = {{"families", *all}};
  std::string tmp = path_ + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out.flush()) return Status::Unavailable("cannot write " + tmp);
  }
  if (rename(tmp.c_str(), path_.c_str()) != 0) {
    unlink(tmp.c_str());
    return Status::Unavailable("cannot replace " + path_);
  }
  return Status::OK();
}

}  // namespace imago::lifecycle
