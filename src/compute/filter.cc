#include "compute/filter.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <re2/re2.h>

#include "compute/time_util.h"

namespace imago::compute {

using Json = nlohmann::json;

const FilterSchema& ImageFilterSchema() {
  static const FilterSchema k = {"kind",
                                 "id",
                                 "creationTimestamp",
                                 "name",
                                 "description",
                                 "selfLink",
                                 "family",
                                 "labels",
                                 "labels.*",
                                 "labelFingerprint",
                                 "status",
                                 "deprecated",
                                 "deprecated.state",
                                 "deprecated.replacement",
                                 "deprecated.deprecated",
                                 "deprecated.obsolete",
                                 "deprecated.deleted",
                                 "sourceType",
                                 "rawDisk",
                                 "rawDisk.*",
                                 "sourceDisk",
                                 "sourceDiskId",
                                 "sourceImage",
                                 "sourceImageId",
                                 "sourceSnapshot",
                                 "sourceSnapshotId",
                                 "diskSizeGb",
                                 "archiveSizeBytes",
                                 "storageLocations",
                                 "guestOsFeatures",
                                 "guestOsFeatures.type",
                                 "licenses",
                                 "licenseCodes",
                                 "architecture",
                                 "satisfiesPzs",
                                 "satisfiesPzi",
                                 "enableConfidentialCompute"};
  return k;
}

const FilterSchema& DiskFilterSchema() {
  static const FilterSchema k = {"kind",
                                 "id",
                                 "creationTimestamp",
                                 "name",
                                 "description",
                                 "selfLink",
                                 "zone",
                                 "sizeGb",
                                 "type",
                                 "status",
                                 "sourceImage",
                                 "sourceImageId",
                                 "sourceSnapshot",
                                 "sourceSnapshotId",
                                 "users",
                                 "labels",
                                 "labels.*",
                                 "labelFingerprint",
                                 "lastAttachTimestamp",
                                 "lastDetachTimestamp"};
  return k;
}

const FilterSchema& SnapshotFilterSchema() {
  static const FilterSchema k = {"kind",
                                 "id",
                                 "creationTimestamp",
                                 "name",
                                 "description",
                                 "selfLink",
                                 "status",
                                 "sourceDisk",
                                 "sourceDiskId",
                                 "diskSizeGb",
                                 "storageBytes",
                                 "labels",
                                 "labels.*",
                                 "labelFingerprint",
                                 "storageLocations"};
  return k;
}

const FilterSchema& InstanceFilterSchema() {
  static const FilterSchema k = {"kind",
                                 "id",
                                 "creationTimestamp",
                                 "name",
                                 "description",
                                 "selfLink",
                                 "zone",
                                 "machineType",
                                 "status",
                                 "statusMessage",
                                 "cpuPlatform",
                                 "disks",
                                 "disks.*",
                                 "networkInterfaces",
                                 "networkInterfaces.*",
                                 "metadata",
                                 "metadata.*",
                                 "labels",
                                 "labels.*",
                                 "labelFingerprint",
                                 "lastStartTimestamp",
                                 "lastStopTimestamp",
                                 "tags",
                                 "tags.*",
                                 "forwardedPorts",
                                 "forwardedPorts.*"};
  return k;
}

const FilterSchema& ZoneFilterSchema() {
  static const FilterSchema k = {"kind",   "id",       "creationTimestamp",
                                 "name",   "status",   "description",
                                 "region", "selfLink", "availableCpuPlatforms"};
  return k;
}

const FilterSchema& RegionFilterSchema() {
  static const FilterSchema k = {
      "kind",  "id",     "creationTimestamp", "name",    "status", "description",
      "zones", "quotas", "quotas.*",          "selfLink"};
  return k;
}

const FilterSchema& MachineTypeFilterSchema() {
  static const FilterSchema k = {"kind",
                                 "id",
                                 "creationTimestamp",
                                 "name",
                                 "description",
                                 "guestCpus",
                                 "memoryMb",
                                 "maximumPersistentDisks",
                                 "maximumPersistentDisksSizeGb",
                                 "isSharedCpu",
                                 "zone",
                                 "selfLink"};
  return k;
}

const FilterSchema& OperationFilterSchema() {
  static const FilterSchema k = {"kind",
                                 "id",
                                 "name",
                                 "zone",
                                 "region",
                                 "clientOperationId",
                                 "operationType",
                                 "targetLink",
                                 "targetId",
                                 "status",
                                 "statusMessage",
                                 "user",
                                 "progress",
                                 "insertTime",
                                 "startTime",
                                 "endTime",
                                 "description",
                                 "selfLink",
                                 "httpErrorStatusCode",
                                 "httpErrorMessage",
                                 "error",
                                 "error.*",
                                 "warnings",
                                 "warnings.*"};
  return k;
}

enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kHas, kRegexEq, kRegexNe };

struct Filter::Node {
  enum class Kind { kAnd, kOr, kNot, kCompare };
  Kind kind = Kind::kCompare;
  std::vector<std::unique_ptr<Node>> children;
  // kCompare:
  std::vector<std::string> path;
  Op op = Op::kEq;
  std::string value;
  bool quoted = false;
  std::unique_ptr<RE2> regex;
};

namespace {

using Node = Filter::Node;
constexpr size_t kMaxFilterLength = 8192;
constexpr int kMaxDepth = 64;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool IsOpChar(char c) {
  return c == '=' || c == '!' || c == '<' || c == '>' || c == ':';
}

bool SchemaAllows(const FilterSchema& schema, const std::vector<std::string>& path) {
  std::string dotted;
  for (size_t i = 0; i < path.size(); ++i) {
    if (i) dotted += '.';
    dotted += path[i];
  }
  for (const std::string& f : schema) {
    if (f == dotted) return true;
    if (f.size() >= 2 && f.ends_with(".*")) {
      std::string prefix = f.substr(0, f.size() - 1);  // "labels."
      if (dotted.starts_with(prefix) && dotted.size() > prefix.size()) return true;
    }
  }
  return false;
}

class Parser {
 public:
  Parser(std::string_view text, const FilterSchema& schema) : s_(text), schema_(schema) {}

  Result<std::unique_ptr<Node>> Parse() {
    SkipSpace();
    if (p_ == s_.size()) return std::unique_ptr<Node>();
    auto root = Expression(0);
    if (!root.ok()) return root.status();
    SkipSpace();
    if (p_ != s_.size())
      return Error(fmt::format("unexpected '{}' at {}", s_.substr(p_, 20), p_ + 1));
    if (saw_regex_ && saw_aip_) {
      return Error("regular-expression (eq/ne) and AIP-160 expressions cannot be mixed");
    }
    if (saw_regex_ && saw_logic_) {
      return Error("eq/ne expressions are combined only by juxtaposition, without AND, OR or NOT");
    }
    return std::move(root.value());
  }

 private:
  Status Error(const std::string& why) {
    return Status::InvalidField("filter", std::string(s_.substr(0, 200)),
                                "Invalid list filter expression: " + why + ".");
  }

  void SkipSpace() {
    while (p_ < s_.size() && IsSpace(s_[p_])) ++p_;
  }

  // True when the next word is `kw` followed by a space or '('.
  bool PeekKeyword(std::string_view kw) {
    SkipSpace();
    if (s_.substr(p_, kw.size()) != kw) return false;
    size_t e = p_ + kw.size();
    return e < s_.size() && (IsSpace(s_[e]) || s_[e] == '(');
  }

  bool AtTermStart() {
    SkipSpace();
    return p_ < s_.size() && s_[p_] != ')' && !PeekKeyword("AND") && !PeekKeyword("OR");
  }

  static std::unique_ptr<Node> Combine(Node::Kind kind, std::vector<std::unique_ptr<Node>> v) {
    if (v.size() == 1) return std::move(v[0]);
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->children = std::move(v);
    return n;
  }

  // expression := sequence { AND sequence }
  Result<std::unique_ptr<Node>> Expression(int depth) {
    if (depth > kMaxDepth) return Error("nested too deeply");
    std::vector<std::unique_ptr<Node>> parts;
    while (true) {
      auto seq = Sequence(depth);
      if (!seq.ok()) return seq.status();
      parts.push_back(std::move(seq.value()));
      if (!PeekKeyword("AND")) break;
      p_ += 3;
      saw_logic_ = true;
    }
    return Combine(Node::Kind::kAnd, std::move(parts));
  }

  // sequence := factor { factor }
  Result<std::unique_ptr<Node>> Sequence(int depth) {
    std::vector<std::unique_ptr<Node>> parts;
    do {
      auto f = Factor(depth);
      if (!f.ok()) return f.status();
      parts.push_back(std::move(f.value()));
    } while (AtTermStart());
    return Combine(Node::Kind::kAnd, std::move(parts));
  }

  // factor := term { OR term }
  Result<std::unique_ptr<Node>> Factor(int depth) {
    std::vector<std::unique_ptr<Node>> parts;
    while (true) {
      auto t = Term(depth);
      if (!t.ok()) return t.status();
      parts.push_back(std::move(t.value()));
      if (!PeekKeyword("OR")) break;
      p_ += 2;
      saw_logic_ = true;
    }
    return Combine(Node::Kind::kOr, std::move(parts));
  }

  // term := [NOT | -] simple ; simple := '(' expression ')' | restriction
  Result<std::unique_ptr<Node>> Term(int depth) {
    SkipSpace();
    bool negate = false;
    if (PeekKeyword("NOT")) {
      p_ += 3;
      negate = true;
      saw_logic_ = true;
    } else if (p_ < s_.size() && s_[p_] == '-') {
      ++p_;
      negate = true;
      saw_logic_ = true;
    }
    SkipSpace();
    if (p_ >= s_.size()) return Error("the expression ends where a term was expected");
    std::unique_ptr<Node> inner;
    if (s_[p_] == '(') {
      ++p_;
      auto e = Expression(depth + 1);
      if (!e.ok()) return e.status();
      SkipSpace();
      if (p_ >= s_.size() || s_[p_] != ')') return Error("a '(' is not closed");
      ++p_;
      inner = std::move(e.value());
    } else {
      auto r = Restriction();
      if (!r.ok()) return r.status();
      inner = std::move(r.value());
    }
    if (!negate) return inner;
    auto n = std::make_unique<Node>();
    n->kind = Node::Kind::kNot;
    n->children.push_back(std::move(inner));
    return n;
  }

  // restriction := field comparator value
  Result<std::unique_ptr<Node>> Restriction() {
    size_t start = p_;
    while (p_ < s_.size() && !IsSpace(s_[p_]) && !IsOpChar(s_[p_]) && s_[p_] != '(' &&
           s_[p_] != ')')
      ++p_;
    std::string_view field = s_.substr(start, p_ - start);
    if (field.empty()) {
      return Error(fmt::format("a field name is expected at {}", start + 1));
    }
    auto node = std::make_unique<Node>();
    size_t dot_start = 0;
    std::string f(field);
    while (true) {
      size_t dot = f.find('.', dot_start);
      std::string part = f.substr(dot_start, dot == std::string::npos ? dot : dot - dot_start);
      if (part.empty()) return Error(fmt::format("'{}' is not a field name", field));
      node->path.push_back(part);
      if (dot == std::string::npos) break;
      dot_start = dot + 1;
    }
    if (!SchemaAllows(schema_, node->path)) {
      return Error(fmt::format("unknown field '{}'", field));
    }
    SkipSpace();
    // Comparator.
    if (s_.substr(p_, 2) == "!=") {
      node->op = Op::kNe;
      p_ += 2;
    } else if (s_.substr(p_, 2) == "<=") {
      node->op = Op::kLe;
      p_ += 2;
    } else if (s_.substr(p_, 2) == ">=") {
      node->op = Op::kGe;
      p_ += 2;
    } else if (p_ < s_.size() && s_[p_] == '=') {
      node->op = Op::kEq;
      ++p_;
    } else if (p_ < s_.size() && s_[p_] == '<') {
      node->op = Op::kLt;
      ++p_;
    } else if (p_ < s_.size() && s_[p_] == '>') {
      node->op = Op::kGt;
      ++p_;
    } else if (p_ < s_.size() && s_[p_] == ':') {
      node->op = Op::kHas;
      ++p_;
    } else if (PeekKeyword("eq")) {
      node->op = Op::kRegexEq;
      p_ += 2;
    } else if (PeekKeyword("ne")) {
      node->op = Op::kRegexNe;
      p_ += 2;
    } else {
      return Error(fmt::format(
          "'{}' needs an operator (=, !=, <, <=, >, >=, :, eq, ne) and a value", field));
    }
    bool regex = node->op == Op::kRegexEq || node->op == Op::kRegexNe;
    (regex ? saw_regex_ : saw_aip_) = true;
    SkipSpace();
    IMAGO_RETURN_IF_ERROR(ReadValue(node.get(), regex));
    if (regex) {
      RE2::Options opts;
      opts.set_log_errors(false);
      opts.set_max_mem(1 << 20);
      node->regex = std::make_unique<RE2>(node->value, opts);
      if (!node->regex->ok()) {
        return Error(fmt::format("'{}' is not a valid RE2 regular expression: {}", node->value,
                                 node->regex->error()));
      }
    }
    return node;
  }

  // value := "double" | 'single' | bare word. A bare value of an AIP
  // comparison ends at a space or ')'; so does an unquoted regex literal.
  Status ReadValue(Node* n, bool regex) {
    if (p_ >= s_.size()) return Error("a value is expected after the operator");
    char q = s_[p_];
    if (q == '"' || q == '\'') {
      ++p_;
      std::string v;
      while (p_ < s_.size() && s_[p_] != q) {
        if (s_[p_] == '\\' && p_ + 1 < s_.size()) {
          char next = s_[p_ + 1];
          // Keep the backslash in a regex unless it escapes the quote itself.
          if (!regex || next == q) {
            v += next;
            p_ += 2;
            continue;
          }
        }
        v += s_[p_++];
      }
      if (p_ >= s_.size()) return Error("a quoted value is not closed");
      ++p_;
      n->value = std::move(v);
      n->quoted = true;
      return Status::OK();
    }
    size_t start = p_;
    while (p_ < s_.size() && !IsSpace(s_[p_]) && s_[p_] != ')') ++p_;
    if (p_ == start) return Error("a value is expected after the operator");
    n->value = std::string(s_.substr(start, p_ - start));
    if (!regex && n->value.find_first_of("()") != std::string::npos) {
      return Error("a value with parentheses must be quoted");
    }
    return Status::OK();
  }

  const std::string_view s_;
  const FilterSchema& schema_;
  size_t p_ = 0;
  bool saw_regex_ = false;
  bool saw_aip_ = false;
  bool saw_logic_ = false;
};

// --- Evaluation.

// Collects the JSON values at `path`, walking into every element of arrays.
void Collect(const Json& j, const std::vector<std::string>& path, size_t i,
             std::vector<const Json*>* out) {
  if (j.is_array()) {
    for (const Json& e : j) Collect(e, path, i, out);
    return;
  }
  if (i == path.size()) {
    if (!j.is_null()) out->push_back(&j);
    return;
  }
  if (!j.is_object()) return;
  auto it = j.find(path[i]);
  if (it == j.end()) return;
  Collect(*it, path, i + 1, out);
}

std::string Text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  return v.dump();
}

std::optional<double> Number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

// '*' matches any run of characters.
bool WildcardMatch(std::string_view pat, std::string_view s) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < s.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pat.size() && pat[p] == s[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

// Three-way comparison of a resource value with a filter literal: numbers as
// numbers, RFC 3339 timestamps as times, everything else as text.
int Compare(const Json& v, const std::string& lit) {
  std::string text = Text(v);
  if (auto a = Number(text)) {
    if (auto b = Number(lit)) return *a < *b ? -1 : (*a > *b ? 1 : 0);
  }
  if (auto a = ParseTimestamp(text)) {
    if (auto b = ParseTimestamp(lit)) return *a < *b ? -1 : (*a > *b ? 1 : 0);
  }
  return text.compare(lit) < 0 ? -1 : (text == lit ? 0 : 1);
}

bool Equals(const Json& v, const Node& n) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (n.value.find('*') != std::string::npos) return WildcardMatch(n.value, s);
    if (s == n.value) return true;
    auto a = Number(s), b = Number(n.value);
    return a && b && *a == *b;  // int64 fields are strings: diskSizeGb = 10.
  }
  if (v.is_boolean()) return Text(v) == n.value;
  if (v.is_number()) return Compare(v, n.value) == 0;
  return false;
}

bool EvalCompare(const Node& n, const Json& resource) {
  std::vector<const Json*> values;
  Collect(resource, n.path, 0, &values);
  switch (n.op) {
    case Op::kHas:
      if (n.value == "*" && !n.quoted) return !values.empty();
      for (const Json* v : values) {
        if (v->is_object() ? v->contains(n.value) : Equals(*v, n)) return true;
      }
      return false;
    case Op::kEq:
      for (const Json* v : values) {
        if (Equals(*v, n)) return true;
      }
      return false;
    case Op::kNe:
      for (const Json* v : values) {
        if (Equals(*v, n)) return false;
      }
      return true;
    case Op::kRegexEq:
    case Op::kRegexNe: {
      bool match = false;
      if (values.empty()) {
        match = RE2::FullMatch("", *n.regex);
      }
      for (const Json* v : values) {
        if (RE2::FullMatch(Text(*v), *n.regex)) match = true;
      }
      return n.op == Op::kRegexEq ? match : !match;
    }
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
      for (const Json* v : values) {
        if (v->is_object() || v->is_array()) continue;
        int c = Compare(*v, n.value);
        if ((n.op == Op::kLt && c < 0) || (n.op == Op::kLe && c <= 0) ||
            (n.op == Op::kGt && c > 0) || (n.op == Op::kGe && c >= 0))
          return true;
      }
      return false;
  }
  return false;
}

bool Eval(const Node& n, const Json& resource) {
  switch (n.kind) {
    case Node::Kind::kAnd:
      for (const auto& c : n.children) {
        if (!Eval(*c, resource)) return false;
      }
      return true;
    case Node::Kind::kOr:
      for (const auto& c : n.children) {
        if (Eval(*c, resource)) return true;
      }
      return false;
    case Node::Kind::kNot:
      return !Eval(*n.children[0], resource);
    case Node::Kind::kCompare:
      return EvalCompare(n, resource);
  }
  return false;
}

bool HasRegexSyntax(const std::string& s) {
  return s.find_first_of("\\.^$|?*+()[]{}") != std::string::npos;
}

}  // namespace

Result<Filter> Filter::Parse(std::string_view text, const FilterSchema& schema) {
  if (text.size() > kMaxFilterLength) {
    return Status::InvalidField(
        "filter", std::string(text.substr(0, 80)) + "...",
        fmt::format("A filter has at most {} characters.", kMaxFilterLength));
  }
  Parser parser(text, schema);
  auto root = parser.Parse();
  if (!root.ok()) return root.status();
  Filter f;
  f.root_ = std::move(root.value());
  return f;
}

Filter::Filter() = default;
Filter::~Filter() = default;
Filter::Filter(Filter&&) noexcept = default;
Filter& Filter::operator=(Filter&&) noexcept = default;

bool Filter::Matches(const Json& resource) const {
  return !root_ || Eval(*root_, resource);
}

std::optional<std::string> Filter::RequiredValue(std::string_view field) const {
  if (!root_) return std::nullopt;
  std::vector<const Node*> conjuncts;
  if (root_->kind == Node::Kind::kAnd) {
    for (const auto& c : root_->children) conjuncts.push_back(c.get());
  } else {
    conjuncts.push_back(root_.get());
  }
  for (const Node* c : conjuncts) {
    if (c->kind != Node::Kind::kCompare || c->path.size() != 1 || c->path[0] != field) continue;
    if (c->op == Op::kEq && c->value.find('*') == std::string::npos) return c->value;
    if (c->op == Op::kRegexEq && !HasRegexSyntax(c->value)) return c->value;
  }
  return std::nullopt;
}

}  // namespace imago::compute
