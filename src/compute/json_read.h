// Helpers shared by the strict JSON readers of the compute/v1 resources:
// errors in the shape Google's front end gives ("Invalid value at 'x.y'",
// "Unknown name"), and the int64-as-string convention.
#ifndef IMAGO_COMPUTE_JSON_READ_H_
#define IMAGO_COMPUTE_JSON_READ_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/status.h"

namespace imago::compute::json_read {

using Json = nlohmann::json;

/// "where.field".
std::string Where(std::string_view where, std::string_view field);
/// 400: the value at where.field is not of `type` (TYPE_STRING, ...).
Status TypeError(std::string_view where, std::string_view field, const char* type, const Json& v);
/// 400: the object at `where` has a field the API does not know. OK while a
/// LenientReading lives on this thread.
Status UnknownField(std::string_view where, std::string_view key);

/// While one lives, the readers of this thread skip fields they do not know
/// (and enum values they do not know) instead of refusing them: a client
/// reading a server's answers must accept what Google adds over time; a
/// server reading requests must not.
class LenientReading {
 public:
  LenientReading();
  ~LenientReading();
  LenientReading(const LenientReading&) = delete;
  LenientReading& operator=(const LenientReading&) = delete;

 private:
  bool before_;
};
/// True while a LenientReading lives on this thread.
bool ReadingLeniently();
/// 400 unless `j` is an object.
Status CheckObject(const Json& j, std::string_view where);
/// Reads a string (null leaves `out` alone).
Status ReadString(const Json& j, std::string_view where, std::string_view field, std::string* out);
/// Reads an int64/uint64: a JSON string of digits (the API's form) or a number.
Status ReadInt64(const Json& j, std::string_view where, std::string_view field, int64_t* out);
Status ReadUint64(const Json& j, std::string_view where, std::string_view field, uint64_t* out);
/// Reads an int32 (a JSON number).
Status ReadInt32(const Json& j, std::string_view where, std::string_view field, int* out);
Status ReadBool(const Json& j, std::string_view where, std::string_view field, bool* out);
/// Sets j[key] = v unless v is empty.
void PutIfSet(Json& j, const char* key, const std::string& v);
/// Sets j["id"] to `id` as the API writes int64s (a string), unless it is 0.
void PutId(Json& j, uint64_t id);
/// Copies the fields of `extra` (an object; anything else is ignored) into `j`.
void PutExtra(Json& j, const Json& extra);

/// Reads the fields of one JSON object by name. Done() then looks at the
/// fields no call asked for in the schema of `message` (schema.h): a field
/// of the schema is checked against its type and kept in `extra` as sent
/// (output-only and input-only fields and empty values are dropped); any
/// other field is refused. The first error wins and later calls do nothing.
///   Reader r(j, "disk", "Disk");
///   r.Str("name", &d.name).I64("sizeGb", &d.size_gb);
///   IMAGO_RETURN_IF_ERROR(r.Done(&d.extra));
class Reader {
 public:
  using SubFn = std::function<Status(const Json& value, const std::string& where)>;

  /// `message`: the schema's name of the object's message ("Instance"),
  /// or nullptr for one the schema does not have.
  Reader(const Json& j, std::string where, const char* message = nullptr);
  Reader& Str(const char* key, std::string* out);
  /// A string field whose values are an enum of the schema: a value the
  /// enum does not have is a 400 that lists the ones it has.
  Reader& Enum(const char* key, std::string* out);
  Reader& I64(const char* key, int64_t* out);
  Reader& U64(const char* key, uint64_t* out);
  Reader& I32(const char* key, int* out);
  Reader& Bool(const char* key, bool* out);
  Reader& Map(const char* key, std::map<std::string, std::string>* out);
  /// An array of strings.
  Reader& Strs(const char* key, std::vector<std::string>* out);
  /// An object field, read by `fn` (not called for null).
  Reader& Obj(const char* key, const SubFn& fn);
  /// An array field: `fn` reads each element (where = "key[i]").
  Reader& Arr(const char* key, const SubFn& fn);
  /// Accepted and dropped.
  Reader& Ignore(const char* key);
  /// Checks `kind` equals `kind` when given.
  Reader& Kind(const char* kind);
  /// The first error; else the fields no call read: those of the schema go
  /// to `extra` (when given; dropped otherwise), others are 400 "Unknown name".
  Status Done(Json* extra = nullptr);
  const std::string& where() const { return where_; }

 private:
  bool Take(const char* key);

  const Json& j_;
  std::string where_;
  const char* message_;
  Status st_;
  std::set<std::string> seen_;
};

}  // namespace imago::compute::json_read

#endif  // IMAGO_COMPUTE_JSON_READ_H_
