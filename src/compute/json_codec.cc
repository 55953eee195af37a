#include "compute/json_codec.h"

#include "compute/json_read.h"

#include <charconv>
#include <set>

#include <fmt/format.h>

#include "compute/schema.h"

namespace imago::compute {

namespace json_read {

std::string Where(std::string_view where, std::string_view field) {
  if (field.empty()) return std::string(where);
  return std::string(where) + "." + std::string(field);
}

Status TypeError(std::string_view where, std::string_view field, const char* type, const Json& v) {
  std::string dumped = v.dump();
  if (dumped.size() > 80) dumped = dumped.substr(0, 77) + "...";
  return Status::Invalid(
      fmt::format("Invalid value at '{}' ({}), {}", Where(where, field), type, dumped));
}

namespace {
thread_local bool g_lenient = false;
}  // namespace

LenientReading::LenientReading() : before_(g_lenient) {
  g_lenient = true;
}
LenientReading::~LenientReading() {
  g_lenient = before_;
}

bool ReadingLeniently() {
  return g_lenient;
}

Status UnknownField(std::string_view where, std::string_view key) {
  if (g_lenient) return Status::OK();
  return Status::Invalid(
      fmt::format("Invalid JSON payload received. Unknown name \"{}\" at '{}': Cannot find field.",
                  key, where));
}

Status ReadString(const Json& j, std::string_view where, std::string_view field, std::string* out) {
  if (j.is_null()) return Status::OK();
  if (!j.is_string()) return TypeError(where, field, "TYPE_STRING", j);
  *out = j.get<std::string>();
  return Status::OK();
}

namespace {
template <typename Int>
Status ReadInt(const Json& j, std::string_view where, std::string_view field, Int* out) {
  const char* type = std::is_signed_v<Int> ? "TYPE_INT64" : "TYPE_UINT64";
  if (j.is_null()) return Status::OK();
  if (j.is_number_integer()) {
    if (std::is_unsigned_v<Int> && j.is_number_integer() && !j.is_number_unsigned() &&
        j.get<int64_t>() < 0) {
      return TypeError(where, field, type, j);
    }
    *out = j.get<Int>();
    return Status::OK();
  }
  if (!j.is_string()) return TypeError(where, field, type, j);
  const std::string& s = j.get_ref<const std::string&>();
  Int v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) {
    return TypeError(where, field, type, j);
  }
  *out = v;
  return Status::OK();
}
}  // namespace

Status ReadInt64(const Json& j, std::string_view where, std::string_view field, int64_t* out) {
  return ReadInt(j, where, field, out);
}
Status ReadUint64(const Json& j, std::string_view where, std::string_view field, uint64_t* out) {
  return ReadInt(j, where, field, out);
}
Status ReadInt32(const Json& j, std::string_view where, std::string_view field, int* out) {
  if (j.is_null()) return Status::OK();
  if (!j.is_number_integer()) return TypeError(where, field, "TYPE_INT32", j);
  int64_t v = j.get<int64_t>();
  if (v < INT32_MIN || v > INT32_MAX) return TypeError(where, field, "TYPE_INT32", j);
  *out = static_cast<int>(v);
  return Status::OK();
}
Status ReadBool(const Json& j, std::string_view where, std::string_view field, bool* out) {
  if (j.is_null()) return Status::OK();
  if (!j.is_boolean()) return TypeError(where, field, "TYPE_BOOL", j);
  *out = j.get<bool>();
  return Status::OK();
}

Status CheckObject(const Json& j, std::string_view where) {
  if (!j.is_object()) {
    std::string dumped = j.dump();
    if (dumped.size() > 80) dumped = dumped.substr(0, 77) + "...";
    return Status::Invalid(fmt::format("Invalid value at '{}' (TYPE_MESSAGE), {}", where, dumped));
  }
  return Status::OK();
}

void PutIfSet(Json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}

void PutId(Json& j, uint64_t id) {
  if (id) j["id"] = std::to_string(id);
}

void PutExtra(Json& j, const Json& extra) {
  if (!extra.is_object()) return;
  for (const auto& [k, v] : extra.items()) j[k] = v;
}

Reader::Reader(const Json& j, std::string where, const char* message)
    : j_(j), where_(std::move(where)), message_(message) {
  st_ = CheckObject(j_, where_);
}

bool Reader::Take(const char* key) {
  seen_.insert(key);
  return st_.ok() && j_.contains(key);
}

Reader& Reader::Str(const char* key, std::string* out) {
  if (Take(key)) st_ = ReadString(j_[key], where_, key, out);
  return *this;
}
Reader& Reader::I64(const char* key, int64_t* out) {
  if (Take(key)) st_ = ReadInt64(j_[key], where_, key, out);
  return *this;
}
Reader& Reader::U64(const char* key, uint64_t* out) {
  if (Take(key)) st_ = ReadUint64(j_[key], where_, key, out);
  return *this;
}
Reader& Reader::Enum(const char* key, std::string* out) {
  if (!Take(key)) return *this;
  const FieldDef* f = message_ ? FindField(message_, key) : nullptr;
  if (f && f->kind == FieldKind::kEnum && !j_[key].is_null()) {
    auto checked = CheckUnmodelled(*f, j_[key], Where(where_, key));
    if (!checked.ok()) {
      st_ = checked.status();
      return *this;
    }
  }
  st_ = ReadString(j_[key], where_, key, out);
  return *this;
}
Reader& Reader::I32(const char* key, int* out) {
  if (Take(key)) st_ = ReadInt32(j_[key], where_, key, out);
  return *this;
}
Reader& Reader::Bool(const char* key, bool* out) {
  if (Take(key)) st_ = ReadBool(j_[key], where_, key, out);
  return *this;
}
Reader& Reader::Map(const char* key, std::map<std::string, std::string>* out) {
  if (!Take(key)) return *this;
  auto m = LabelsFromJson(j_[key], Where(where_, key));
  if (m.ok()) *out = std::move(m.value());
  st_ = m.status();
  return *this;
}
Reader& Reader::Strs(const char* key, std::vector<std::string>* out) {
  return Arr(key, [out](const Json& v, const std::string& w) {
    std::string s;
    IMAGO_RETURN_IF_ERROR(ReadString(v, w, "", &s));
    out->push_back(std::move(s));
    return Status::OK();
  });
}
Reader& Reader::Obj(const char* key, const SubFn& fn) {
  if (Take(key) && !j_[key].is_null()) st_ = fn(j_[key], Where(where_, key));
  return *this;
}
Reader& Reader::Arr(const char* key, const SubFn& fn) {
  if (!Take(key) || j_[key].is_null()) return *this;
  const Json& a = j_[key];
  if (!a.is_array()) {
    st_ = TypeError(where_, key, "TYPE_LIST", a);
    return *this;
  }
  for (size_t i = 0; i < a.size() && st_.ok(); ++i) {
    st_ = fn(a[i], Where(where_, key) + "[" + std::to_string(i) + "]");
  }
  return *this;
}
Reader& Reader::Ignore(const char* key) {
  Take(key);
  return *this;
}
Reader& Reader::Kind(const char* kind) {
  if (!Take("kind")) return *this;
  std::string k;
  st_ = ReadString(j_["kind"], where_, "kind", &k);
  if (st_.ok() && !k.empty() && k != kind) {
    st_ = Status::InvalidField(Where(where_, "kind"), k, std::string("Must be '") + kind + "'.");
  }
  return *this;
}
Status Reader::Done(Json* extra) {
  if (!st_.ok() || !j_.is_object()) return st_;
  for (const auto& [k, v] : j_.items()) {
    if (seen_.count(k)) continue;
    const FieldDef* f = message_ ? FindField(message_, k) : nullptr;
    if (!f) {
      IMAGO_RETURN_IF_ERROR(UnknownField(where_, k));
      continue;
    }
    auto kept = CheckUnmodelled(*f, v, Where(where_, k));
    if (!kept.ok()) return kept.status();
    if (extra && !kept->is_null()) (*extra)[k] = std::move(kept.value());
  }
  return Status::OK();
}

}  // namespace json_read

using namespace json_read;  // NOLINT: this file is their main user.

namespace {}  // namespace

Json ToJson(const DeprecationStatus& d) {
  Json j = Json::object();
  j["state"] = DeprecationStateName(d.state);
  PutIfSet(j, "replacement", d.replacement);
  PutIfSet(j, "deprecated", d.deprecated);
  PutIfSet(j, "obsolete", d.obsolete);
  PutIfSet(j, "deleted", d.deleted);
  return j;
}

Json ToJson(const Image& im) {
  Json j = Json::object();
  j["kind"] = "compute#image";
  if (im.id) j["id"] = std::to_string(im.id);
  PutIfSet(j, "creationTimestamp", im.creation_timestamp);
  j["name"] = im.name;
  PutIfSet(j, "description", im.description);
  PutIfSet(j, "sourceType", im.source_type);
  if (im.raw_disk) {
    Json r = Json::object();
    PutIfSet(r, "source", im.raw_disk->source);
    PutIfSet(r, "sha1Checksum", im.raw_disk->sha1_checksum);
    PutIfSet(r, "containerType", im.raw_disk->container_type);
    j["rawDisk"] = r;
  }
  if (im.deprecated) j["deprecated"] = ToJson(*im.deprecated);
  PutIfSet(j, "status", im.status);
  if (im.archive_size_bytes) j["archiveSizeBytes"] = std::to_string(im.archive_size_bytes);
  if (im.disk_size_gb) j["diskSizeGb"] = std::to_string(im.disk_size_gb);
  PutIfSet(j, "sourceDisk", im.source_disk);
  PutIfSet(j, "sourceDiskId", im.source_disk_id);
  PutIfSet(j, "sourceImage", im.source_image);
  PutIfSet(j, "sourceImageId", im.source_image_id);
  PutIfSet(j, "sourceSnapshot", im.source_snapshot);
  PutIfSet(j, "sourceSnapshotId", im.source_snapshot_id);
  PutIfSet(j, "family", im.family);
  if (!im.labels.empty()) j["labels"] = im.labels;
  PutIfSet(j, "labelFingerprint", im.label_fingerprint);
  PutIfSet(j, "selfLink", im.self_link);
  if (im.extra.is_object()) {
    for (const auto& [k, v] : im.extra.items()) j[k] = v;
  }
  return j;
}

Json ToJson(const Warning& w) {
  Json j = {{"code", w.code}, {"message", w.message}};
  if (!w.data.empty()) {
    Json d = Json::array();
    for (const auto& [k, v] : w.data) d.push_back({{"key", k}, {"value", v}});
    j["data"] = d;
  }
  return j;
}

Json ToJson(const Operation& op) {
  Json j = Json::object();
  j["kind"] = "compute#operation";
  if (op.id) j["id"] = std::to_string(op.id);
  j["name"] = op.name;
  PutIfSet(j, "zone", op.zone);
  PutIfSet(j, "clientOperationId", op.client_operation_id);
  PutIfSet(j, "operationType", op.operation_type);
  PutIfSet(j, "targetLink", op.target_link);
  if (op.target_id) j["targetId"] = std::to_string(op.target_id);
  j["status"] = op.status;
  PutIfSet(j, "statusMessage", op.status_message);
  PutIfSet(j, "user", op.user);
  j["progress"] = op.progress;
  PutIfSet(j, "insertTime", op.insert_time);
  PutIfSet(j, "startTime", op.start_time);
  PutIfSet(j, "endTime", op.end_time);
  PutIfSet(j, "description", op.description);
  if (!op.errors.empty()) {
    Json errs = Json::array();
    for (const auto& e : op.errors) {
      Json x = {{"code", e.code}, {"message", e.message}};
      PutIfSet(x, "location", e.location);
      errs.push_back(x);
    }
    j["error"] = {{"errors", errs}};
    j["httpErrorStatusCode"] = op.http_error_status_code;
    PutIfSet(j, "httpErrorMessage", op.http_error_message);
  }
  if (!op.warnings.empty()) {
    Json ws = Json::array();
    for (const auto& w : op.warnings) ws.push_back(ToJson(w));
    j["warnings"] = ws;
  }
  PutIfSet(j, "selfLink", op.self_link);
  return j;
}

Result<Labels> LabelsFromJson(const Json& j, std::string_view where) {
  Labels labels;
  if (j.is_null()) return labels;
  if (!j.is_object()) return TypeError(where, "", "TYPE_MAP", j);
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) return TypeError(where, k, "TYPE_STRING", v);
    labels[k] = v.get<std::string>();
  }
  return labels;
}

Result<DeprecationStatus> DeprecationStatusFromJson(const Json& j, std::string_view where) {
  DeprecationStatus d;
  std::string state;
  Reader r(j, std::string(where), "DeprecationStatus");
  r.Str("state", &state)
      .Str("replacement", &d.replacement)
      .Str("deprecated", &d.deprecated)
      .Str("obsolete", &d.obsolete)
      .Str("deleted", &d.deleted)
      .Ignore("kind")
      .Ignore("stateOverride");  // Beta only; accepted and ignored.
  IMAGO_RETURN_IF_ERROR(r.Done());
  if (!state.empty()) {
    auto st = ParseDeprecationState(state);
    if (!st) {
      return Status::InvalidField(Where(where, "state"), state,
                                  "Must be one of ACTIVE, DEPRECATED, OBSOLETE, DELETED.");
    }
    d.state = *st;
  }
  return d;
}

Result<Image> ImageFromJson(const Json& j, std::string_view where) {
  Image im;
  std::string w(where);
  Reader r(j, w, "Image");
  r.Kind("compute#image")
      .U64("id", &im.id)
      .Str("creationTimestamp", &im.creation_timestamp)
      .Str("name", &im.name)
      .Str("description", &im.description)
      .Str("selfLink", &im.self_link)
      .Str("family", &im.family)
      .Map("labels", &im.labels)
      .Str("labelFingerprint", &im.label_fingerprint)
      .Str("status", &im.status)
      .Obj("deprecated",
           [&](const Json& v, const std::string& at) {
             auto d = DeprecationStatusFromJson(v, at);
             if (d.ok()) im.deprecated = std::move(d.value());
             return d.status();
           })
      .Str("sourceType", &im.source_type)
      .Obj("rawDisk",
           [&](const Json& v, const std::string& at) {
             RawDisk raw;
             Reader rr(v, at, "RawDisk");
             rr.Str("source", &raw.source)
                 .Str("sha1Checksum", &raw.sha1_checksum)
                 .Str("containerType", &raw.container_type);
             IMAGO_RETURN_IF_ERROR(rr.Done());
             im.raw_disk = std::move(raw);
             return Status::OK();
           })
      .Str("sourceDisk", &im.source_disk)
      .Str("sourceDiskId", &im.source_disk_id)
      .Str("sourceImage", &im.source_image)
      .Str("sourceImageId", &im.source_image_id)
      .Str("sourceSnapshot", &im.source_snapshot)
      .Str("sourceSnapshotId", &im.source_snapshot_id)
      .I64("diskSizeGb", &im.disk_size_gb)
      .I64("archiveSizeBytes", &im.archive_size_bytes);
  IMAGO_RETURN_IF_ERROR(r.Done(&im.extra));
  if (!im.source_type.empty() && im.source_type != "RAW") {
    return Status::InvalidField(Where(where, "sourceType"), im.source_type, "Must be 'RAW'.");
  }
  return im;
}

Result<Operation> OperationFromJson(const Json& j) {
  IMAGO_RETURN_IF_ERROR(CheckObject(j, "operation"));
  Operation op;
  const std::string_view w = "operation";
  auto str = [&](const char* key, std::string* out) -> Status {
    return j.contains(key) ? ReadString(j[key], w, key, out) : Status::OK();
  };
  IMAGO_RETURN_IF_ERROR(j.contains("id") ? ReadUint64(j["id"], w, "id", &op.id) : Status::OK());
  IMAGO_RETURN_IF_ERROR(str("name", &op.name));
  IMAGO_RETURN_IF_ERROR(str("zone", &op.zone));
  IMAGO_RETURN_IF_ERROR(str("clientOperationId", &op.client_operation_id));
  IMAGO_RETURN_IF_ERROR(str("operationType", &op.operation_type));
  IMAGO_RETURN_IF_ERROR(str("targetLink", &op.target_link));
  IMAGO_RETURN_IF_ERROR(j.contains("targetId")
                            ? ReadUint64(j["targetId"], w, "targetId", &op.target_id)
                            : Status::OK());
  IMAGO_RETURN_IF_ERROR(str("status", &op.status));
  IMAGO_RETURN_IF_ERROR(str("statusMessage", &op.status_message));
  IMAGO_RETURN_IF_ERROR(str("user", &op.user));
  IMAGO_RETURN_IF_ERROR(str("insertTime", &op.insert_time));
  IMAGO_RETURN_IF_ERROR(str("startTime", &op.start_time));
  IMAGO_RETURN_IF_ERROR(str("endTime", &op.end_time));
  IMAGO_RETURN_IF_ERROR(str("description", &op.description));
  IMAGO_RETURN_IF_ERROR(str("selfLink", &op.self_link));
  IMAGO_RETURN_IF_ERROR(str("httpErrorMessage", &op.http_error_message));
  if (j.contains("progress") && j["progress"].is_number_integer()) {
    op.progress = j["progress"].get<int>();
  }
  if (j.contains("httpErrorStatusCode") && j["httpErrorStatusCode"].is_number_integer()) {
    op.http_error_status_code = j["httpErrorStatusCode"].get<int>();
  }
  if (j.contains("error") && j["error"].is_object() && j["error"].contains("errors") &&
      j["error"]["errors"].is_array()) {
    for (const auto& e : j["error"]["errors"]) {
      if (!e.is_object()) continue;
      OperationError oe;
      oe.code = e.value("code", "");
      oe.message = e.value("message", "");
      oe.location = e.value("location", "");
      op.errors.push_back(std::move(oe));
    }
  }
  if (j.contains("warnings") && j["warnings"].is_array()) {
    for (const auto& x : j["warnings"]) {
      if (!x.is_object()) continue;
      Warning wn;
      wn.code = x.value("code", "");
      wn.message = x.value("message", "");
      if (x.contains("data") && x["data"].is_array()) {
        for (const auto& d : x["data"]) {
          if (d.is_object()) wn.data.emplace_back(d.value("key", ""), d.value("value", ""));
        }
      }
      op.warnings.push_back(std::move(wn));
    }
  }
  return op;
}

Json ErrorJson(const Status& status) {
  Json item = {{"message", status.message()}, {"domain", "global"}, {"reason", status.reason()}};
  if (status.location()) {
    item["location"] = *status.location();
    item["locationType"] = "header";
  }
  return {{"error",
           {{"code", status.http_code()},
            {"message", status.message()},
            {"errors", Json::array({item})}}}};
}

Status StatusFromErrorJson(int http_code, const Json& body) {
  std::string message = "HTTP " + std::to_string(http_code);
  std::string reason;
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const Json& e = body["error"];
    if (e.contains("message") && e["message"].is_string()) message = e["message"];
    if (e.contains("errors") && e["errors"].is_array() && !e["errors"].empty() &&
        e["errors"][0].is_object()) {
      reason = e["errors"][0].value("reason", "");
    }
  }
  Code code = Code::kInternal;
  if (reason == "notFound" || http_code == 404)
    code = Code::kNotFound;
  else if (reason == "alreadyExists" || http_code == 409)
    code = Code::kAlreadyExists;
  else if (reason == "conditionNotMet" || http_code == 412)
    code = Code::kConditionNotMet;
  else if (reason == "resourceInUseByAnotherResource")
    code = Code::kResourceInUse;
  else if (reason == "resourceNotReady")
    code = Code::kResourceNotReady;
  else if (reason == "invalidResourceUsage")
    code = Code::kInvalidUsage;
  else if (reason == "required" && http_code == 400)
    code = Code::kRequired;
  else if (http_code == 400)
    code = Code::kInvalid;
  else if (http_code == 401)
    code = Code::kUnauthorized;
  else if (http_code == 403)
    code = Code::kForbidden;
  else if (http_code == 413)
    code = Code::kPayloadTooLarge;
  else if (http_code == 429)
    code = Code::kRateLimited;
  else if (http_code == 503)
    code = Code::kUnavailable;
  return Status(code, message);
}

}  // namespace imago::compute
