#include "compute/schema.h"

#include <charconv>
#include <string>
#include <unordered_map>

#include "compute/json_read.h"

namespace imago::compute {

using nlohmann::json;

namespace {

struct Index {
  std::unordered_map<std::string_view, std::vector<const FieldDef*>> messages;
  std::unordered_map<std::string_view, std::vector<std::string_view>> enums;
};

const Index& TheIndex() {
  static const Index* index = [] {
    auto* ix = new Index;
    for (size_t i = 0; i < schema_data::kFieldCount; ++i) {
      const FieldDef& f = schema_data::kFields[i];
      ix->messages[f.message].push_back(&f);
    }
    for (size_t i = 0; i < schema_data::kEnumCount; ++i) {
      const EnumDef& e = schema_data::kEnums[i];
      std::string_view values = e.values;
      auto& into = ix->enums[e.name];
      while (!values.empty()) {
        size_t bar = values.find('|');
        into.push_back(values.substr(0, bar));
        values = bar == std::string_view::npos ? "" : values.substr(bar + 1);
      }
    }
    return ix;
  }();
  return *index;
}

const char* TypeName(FieldKind k) {
  switch (k) {
    case FieldKind::kString:
      return "TYPE_STRING";
    case FieldKind::kBool:
      return "TYPE_BOOL";
    case FieldKind::kInt32:
      return "TYPE_INT32";
    case FieldKind::kUint32:
      return "TYPE_UINT32";
    case FieldKind::kInt64:
      return "TYPE_INT64";
    case FieldKind::kUint64:
      return "TYPE_UINT64";
    case FieldKind::kDouble:
      return "TYPE_DOUBLE";
    case FieldKind::kMessage:
      return "TYPE_MESSAGE";
    case FieldKind::kEnum:
      return "TYPE_ENUM";
  }
  return "TYPE_UNKNOWN";
}

// An integer as proto3 JSON carries it: a number, or a string of digits.
bool IsInteger(const json& v, bool is_signed) {
  if (v.is_number_integer()) return is_signed || v.is_number_unsigned() || v.get<int64_t>() >= 0;
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.empty()) return false;
  if (is_signed) {
    int64_t x = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
    return ec == std::errc() && p == s.data() + s.size();
  }
  uint64_t x = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  return ec == std::errc() && p == s.data() + s.size();
}

Result<json> CheckMessage(std::string_view message, const json& v, const std::string& where);

// One value of the field's kind (an element of a list or a map).
Result<json> CheckOne(const FieldDef& f, const json& v, const std::string& where) {
  if (v.is_null()) return json();
  auto bad = [&]() -> Status { return json_read::TypeError(where, "", TypeName(f.kind), v); };
  switch (f.kind) {
    case FieldKind::kString:
      if (!v.is_string()) return bad();
      return v;
    case FieldKind::kBool:
      if (!v.is_boolean()) return bad();
      return v;
    case FieldKind::kInt32:
    case FieldKind::kInt64:
      if (!IsInteger(v, true)) return bad();
      return v;
    case FieldKind::kUint32:
    case FieldKind::kUint64:
      if (!IsInteger(v, false)) return bad();
      return v;
    case FieldKind::kDouble:
      if (!v.is_number() && !v.is_string()) return bad();
      return v;
    case FieldKind::kEnum: {
      if (!v.is_string()) return bad();
      const std::string& s = v.get_ref<const std::string&>();
      if (!s.empty() && !json_read::ReadingLeniently() && !EnumHas(f.type, s)) {
        std::string allowed;
        for (std::string_view x : EnumValues(f.type)) {
          allowed += (allowed.empty() ? "" : ", ") + std::string(x);
        }
        return Status::Invalid("Invalid value at '" + where + "' (TYPE_ENUM), \"" + s +
                               "\"; it is one of " + allowed + ".");
      }
      return v;
    }
    case FieldKind::kMessage:
      return CheckMessage(f.type, v, where);
  }
  return bad();
}

Result<json> CheckMessage(std::string_view message, const json& v, const std::string& where) {
  IMAGO_RETURN_IF_ERROR(json_read::CheckObject(v, where));
  json kept = json::object();
  for (const auto& [key, value] : v.items()) {
    const FieldDef* f = FindField(message, key);
    if (!f) {
      IMAGO_RETURN_IF_ERROR(json_read::UnknownField(where, key));
      continue;  // Reading leniently: skipped.
    }
    auto one = CheckUnmodelled(*f, value, json_read::Where(where, key));
    if (!one.ok()) return one.status();
    if (!one->is_null()) kept[key] = std::move(one.value());
  }
  return kept;
}

}  // namespace

const FieldDef* FindField(std::string_view message, std::string_view name) {
  const Index& ix = TheIndex();
  auto it = ix.messages.find(message);
  if (it == ix.messages.end()) return nullptr;
  for (const FieldDef* f : it->second) {
    if (name == f->name) return f;
  }
  return nullptr;
}

std::vector<const FieldDef*> FieldsOf(std::string_view message) {
  const Index& ix = TheIndex();
  auto it = ix.messages.find(message);
  return it == ix.messages.end() ? std::vector<const FieldDef*>() : it->second;
}

bool EnumHas(std::string_view enum_name, std::string_view value) {
  for (std::string_view v : EnumValues(enum_name)) {
    if (v == value) return true;
  }
  return false;
}

std::vector<std::string_view> EnumValues(std::string_view enum_name) {
  const Index& ix = TheIndex();
  auto it = ix.enums.find(enum_name);
  return it == ix.enums.end() ? std::vector<std::string_view>() : it->second;
}

bool IsEmptyValue(const json& v) {
  if (v.is_null()) return true;
  if (v.is_string()) return v.get_ref<const std::string&>().empty();
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number()) return v == 0;
  if (v.is_array() || v.is_object()) return v.empty();
  return false;
}

Result<json> CheckUnmodelled(const FieldDef& f, const json& value, std::string_view where) {
  std::string w(where);
  json kept;
  if (value.is_null()) return json();
  if (f.shape == FieldShape::kRepeated) {
    if (!value.is_array()) return json_read::TypeError(w, "", "TYPE_LIST", value);
    kept = json::array();
    for (size_t i = 0; i < value.size(); ++i) {
      auto one = CheckOne(f, value[i], w + "[" + std::to_string(i) + "]");
      if (!one.ok()) return one.status();
      if (!one->is_null()) kept.push_back(std::move(one.value()));
    }
  } else if (f.shape == FieldShape::kMap) {
    if (!value.is_object()) return json_read::TypeError(w, "", "TYPE_MAP", value);
    kept = json::object();
    for (const auto& [k, v] : value.items()) {
      auto one = CheckOne(f, v, w + "[" + k + "]");
      if (!one.ok()) return one.status();
      if (!one->is_null()) kept[k] = std::move(one.value());
    }
  } else {
    auto one = CheckOne(f, value, w);
    if (!one.ok()) return one.status();
    kept = std::move(one.value());
  }
  // Checked either way; kept only when the server stores it and it says something.
  if (f.access != FieldAccess::kInputOutput || IsEmptyValue(kept)) return json();
  return kept;
}

}  // namespace imago::compute
