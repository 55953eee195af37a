// The compute/v1 schema: every field of every message imago serves or will
// serve, with its type and whether it is output-only or input-only. The
// table is generated from Google's published definition of the API
// (schema_gen.cc, by tools/gen_schema.js from the pinned @google-cloud/compute
// package), so that a field that exists is never refused as unknown.
//
// The JSON readers (json_read.h) read the fields imago models and hand the
// others here: a known field the server does not model is checked against
// its type, stripped of what is output-only, and kept as sent; an unknown one
// stays a 400.
#ifndef IMAGO_COMPUTE_SCHEMA_H_
#define IMAGO_COMPUTE_SCHEMA_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/status.h"

namespace imago::compute {

enum class FieldKind : uint8_t {
  kString,
  kBool,
  kInt32,
  kUint32,
  kInt64,
  kUint64,
  kDouble,
  kMessage,  // `type` names the message.
  kEnum,     // A string from a set; `type` names the enum.
};
enum class FieldShape : uint8_t { kSingle, kRepeated, kMap };
enum class FieldAccess : uint8_t {
  kInputOutput,
  kOutputOnly,  // Set by the server; a value sent is ignored.
  kInputOnly,   // Taken with the request, never stored or returned.
};

struct FieldDef {
  const char* message;  // "Instance", "AttachedDiskInitializeParams", ...
  const char* name;     // The JSON name: "networkIP".
  FieldKind kind;
  const char* type;  // The message or enum of the field; "" for scalars.
  FieldShape shape;
  FieldAccess access;
};

struct EnumDef {
  const char* name;    // "Scheduling.OnHostMaintenance".
  const char* values;  // "MIGRATE|TERMINATE".
};

namespace schema_data {
extern const FieldDef kFields[];
extern const size_t kFieldCount;
extern const EnumDef kEnums[];
extern const size_t kEnumCount;
extern const char kSchemaSource[];  // "@google-cloud/compute 6.15.0".
}  // namespace schema_data

/// The field `name` of `message`, or nullptr when the message has none.
const FieldDef* FindField(std::string_view message, std::string_view name);
/// Every field of `message` in name order (empty for an unknown message).
std::vector<const FieldDef*> FieldsOf(std::string_view message);
/// True when `value` is one of the enum's values.
bool EnumHas(std::string_view enum_name, std::string_view value);
/// The enum's values, in order.
std::vector<std::string_view> EnumValues(std::string_view enum_name);

/// True for what GCE treats as unset: null, "", 0, false, [], {}.
bool IsEmptyValue(const nlohmann::json& v);

/// Checks `value` sent as field `f` at `where` ("instance.scheduling"): its
/// type, the names inside it (400 "Unknown name" as for any body), enum
/// values. Returns what to keep: the value without its output-only parts,
/// or null when nothing is left (an empty value, an input- or output-only
/// field). Never throws.
Result<nlohmann::json> CheckUnmodelled(const FieldDef& f, const nlohmann::json& value,
                                       std::string_view where);

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_SCHEMA_H_
