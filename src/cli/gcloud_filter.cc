#include "cli/gcloud_filter.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <re2/re2.h>

namespace imago::cli {

using Json = nlohmann::json;
using compute::Result;
using compute::Status;

struct GcloudFilter::Node {
  enum Kind { kAnd, kOr, kNot, kTerm } kind = kTerm;
  std::vector<std::unique_ptr<Node>> kids;
  // A term: key op value; re for ~ !~ : and wildcards.
  std::vector<std::string> path;
  std::string op, value;
  std::unique_ptr<RE2> re;
};

namespace {

using Node = GcloudFilter::Node;

Status FilterError(std::string_view text, const std::string& what) {
  return Status::Invalid(fmt::format(
      "--filter '{}': {} (gcloud's form: name~^app, name:app, labels.env=prod, NOT, AND, OR; "
      "or the API's, docs/filters.md)",
      text, what));
}

std::string GlobToRegex(const std::string& pattern) {
  std::string re;
  for (char c : pattern) re += c == '*' ? std::string(".*") : RE2::QuoteMeta(std::string(1, c));
  return re;
}

void Values(const Json& j, const std::vector<std::string>& path, size_t i, std::vector<Json>* out) {
  if (j.is_array()) {  // A repeated field: each element.
    for (const auto& e : j) Values(e, path, i, out);
    return;
  }
  if (i == path.size()) {
    if (!j.is_null()) out->push_back(j);
    return;
  }
  if (!j.is_object()) return;
  auto it = j.find(path[i]);
  if (it != j.end()) Values(*it, path, i + 1, out);
}

std::string Text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

bool Number(const std::string& s, double* d) {
  if (s.empty()) return false;
  char* end = nullptr;
  *d = std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

bool TermMatches(const Node& n, const Json& r) {
  std::vector<Json> values;
  Values(r, n.path, 0, &values);
  if (n.op == ":") {
    if (n.value == "*") {
      return std::any_of(values.begin(), values.end(), [](const Json& v) {
        return !(v.is_string() && v.get<std::string>().empty()) && !(v.is_object() && v.empty());
      });
    }
    for (const auto& v : values) {
      if (v.is_object()) {
        for (const auto& [k, unused] : v.items()) {
          if (RE2::FullMatch(k, *n.re)) return true;
        }
      } else if (RE2::PartialMatch(Text(v), *n.re)) {
        return true;
      }
    }
    return false;
  }
  if (n.op == "~" || n.op == "!~") {
    bool any = std::any_of(values.begin(), values.end(),
                           [&](const Json& v) { return RE2::PartialMatch(Text(v), *n.re); });
    return n.op == "~" ? any : !any;
  }
  if (n.op == "=" || n.op == "!=") {
    bool any = std::any_of(values.begin(), values.end(),
                           [&](const Json& v) { return RE2::FullMatch(Text(v), *n.re); });
    return n.op == "=" ? any : !any;
  }
  // < <= > >=: numbers as numbers, else text (RFC 3339 times sort as text).
  for (const auto& v : values) {
    std::string t = Text(v);
    double a, b;
    int cmp = Number(t, &a) && Number(n.value, &b) ? (a < b   ? -1
                                                      : a > b ? 1
                                                              : 0)
                                                   : t.compare(n.value);
    if ((n.op == "<" && cmp < 0) || (n.op == "<=" && cmp <= 0) || (n.op == ">" && cmp > 0) ||
        (n.op == ">=" && cmp >= 0)) {
      return true;
    }
  }
  return false;
}

bool Eval(const Node& n, const Json& r) {
  switch (n.kind) {
    case Node::kAnd:
      return std::all_of(n.kids.begin(), n.kids.end(), [&](const auto& k) { return Eval(*k, r); });
    case Node::kOr:
      return std::any_of(n.kids.begin(), n.kids.end(), [&](const auto& k) { return Eval(*k, r); });
    case Node::kNot:
      return !Eval(*n.kids[0], r);
    case Node::kTerm:
      return TermMatches(n, r);
  }
  return false;
}

/// A recursive-descent parser over the text.
class Parser {
 public:
  Parser(std::string_view text, bool* needs_client, std::vector<std::string>* keys)
      : text_(text), needs_client_(needs_client), keys_(keys) {}

  Result<std::unique_ptr<Node>> Parse() {
    auto root = ParseAnd();
    if (!root.ok()) return root.status();
    Skip();
    if (pos_ < text_.size()) {
      return FilterError(text_, fmt::format("unexpected '{}'", text_.substr(pos_)));
    }
    return root;
  }

 private:
  void Skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Keyword(std::string_view word) {
    Skip();
    if (text_.substr(pos_, word.size()) != word) return false;
    size_t after = pos_ + word.size();
    if (after < text_.size() && !std::isspace(static_cast<unsigned char>(text_[after])) &&
        text_[after] != '(') {
      return false;
    }
    pos_ = after;
    return true;
  }
  bool AtEnd() {
    Skip();
    return pos_ >= text_.size() || text_[pos_] == ')';
  }

  Result<std::unique_ptr<Node>> ParseAnd() {
    auto node = std::make_unique<Node>();
    node->kind = Node::kAnd;
    while (!AtEnd()) {
      Keyword("AND");
      auto kid = ParseOr();
      if (!kid.ok()) return kid.status();
      node->kids.push_back(std::move(*kid));
    }
    if (node->kids.empty()) return FilterError(text_, "an empty expression");
    if (node->kids.size() == 1) return std::move(node->kids[0]);
    return node;
  }

  Result<std::unique_ptr<Node>> ParseOr() {
    auto first = ParseUnary();
    if (!first.ok()) return first.status();
    if (!Keyword("OR")) return first;
    auto node = std::make_unique<Node>();
    node->kind = Node::kOr;
    node->kids.push_back(std::move(*first));
    do {
      auto kid = ParseUnary();
      if (!kid.ok()) return kid.status();
      node->kids.push_back(std::move(*kid));
    } while (Keyword("OR"));
    return node;
  }

  Result<std::unique_ptr<Node>> ParseUnary() {
    Skip();
    if (pos_ >= text_.size())
      return FilterError(text_, "the expression ends where a term should be");
    bool negated = Keyword("NOT");
    if (!negated && text_[pos_] == '-') {
      negated = true;
      ++pos_;
    }
    if (negated) {
      auto kid = ParseUnary();
      if (!kid.ok()) return kid.status();
      auto node = std::make_unique<Node>();
      node->kind = Node::kNot;
      node->kids.push_back(std::move(*kid));
      return node;
    }
    if (text_[pos_] == '(') {
      ++pos_;
      auto inner = ParseAnd();
      if (!inner.ok()) return inner.status();
      Skip();
      if (pos_ >= text_.size() || text_[pos_] != ')')
        return FilterError(text_, "a ( is not closed");
      ++pos_;
      return inner;
    }
    return ParseTerm();
  }

  Result<std::unique_ptr<Node>> ParseTerm() {
    auto node = std::make_unique<Node>();
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' ||
            text_[pos_] == '.' || text_[pos_] == '-')) {
      ++pos_;
    }
    std::string key(text_.substr(start, pos_ - start));
    if (key.empty() || key.front() == '.' || key.back() == '.') {
      return FilterError(text_, fmt::format("a key was expected at '{}'", text_.substr(start)));
    }
    for (size_t b = 0, e; b <= key.size(); b = e + 1) {
      e = key.find('.', b);
      if (e == std::string::npos) e = key.size();
      node->path.push_back(key.substr(b, e - b));
    }
    Skip();
    for (const char* op : {"!~", "!=", "<=", ">=", "~", "=", "<", ">", ":"}) {
      if (text_.substr(pos_, std::string_view(op).size()) == op) {
        node->op = op;
        pos_ += node->op.size();
        break;
      }
    }
    if (node->op.empty()) {
      return FilterError(text_,
                         fmt::format("'{}' needs an operator and a value (KEY:VALUE, KEY=VALUE, "
                                     "KEY~REGEX, ...)",
                                     key));
    }
    Skip();
    if (pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '\'')) {
      char q = text_[pos_++];
      size_t end = text_.find(q, pos_);
      if (end == std::string_view::npos) return FilterError(text_, "a quote is not closed");
      node->value = std::string(text_.substr(pos_, end - pos_));
      pos_ = end + 1;
    } else {
      size_t vstart = pos_;
      while (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_])) &&
             text_[pos_] != ')') {
        ++pos_;
      }
      node->value = std::string(text_.substr(vstart, pos_ - vstart));
      if (node->value.empty())
        return FilterError(text_, fmt::format("'{}{}' has no value", key, node->op));
    }
    std::string re;
    if (node->op == "~" || node->op == "!~") {
      re = node->value;
      *needs_client_ = true;
    } else if (node->op == ":") {
      re = "(?i)" + GlobToRegex(node->value);
      if (node->value != "*") *needs_client_ = true;
    } else {
      re = GlobToRegex(node->value);
    }
    node->re = std::make_unique<RE2>(re, RE2::Quiet);
    if (!node->re->ok()) {
      return FilterError(text_, fmt::format("'{}' is not a regular expression (RE2): {}",
                                            node->value, node->re->error()));
    }
    if (std::find(keys_->begin(), keys_->end(), key) == keys_->end()) keys_->push_back(key);
    return node;
  }

  std::string_view text_;
  size_t pos_ = 0;
  bool* needs_client_;
  std::vector<std::string>* keys_;
};

}  // namespace

GcloudFilter::GcloudFilter() = default;
GcloudFilter::~GcloudFilter() = default;
GcloudFilter::GcloudFilter(GcloudFilter&&) noexcept = default;
GcloudFilter& GcloudFilter::operator=(GcloudFilter&&) noexcept = default;

Result<GcloudFilter> GcloudFilter::Parse(std::string_view text) {
  GcloudFilter f;
  Parser parser(text, &f.needs_client_, &f.keys_);
  auto root = parser.Parse();
  if (!root.ok()) return root.status();
  f.root_ = std::move(*root);
  return f;
}

bool GcloudFilter::Matches(const Json& resource) const {
  return !root_ || Eval(*root_, resource);
}

}  // namespace imago::cli
