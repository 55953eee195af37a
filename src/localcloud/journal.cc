#include "localcloud/journal.h"

#include <unistd.h>

#include "base/strings.h"
#include "compute/json_codec.h"
#include "compute/names.h"
#include "localcloud/list_util.h"
#include "localcloud/recovery.h"

namespace imago::localcloud {

using compute::Json;
using compute::Operation;
using compute::Result;
using compute::Status;

namespace {

const char* KindName(WorkRecord::Kind k) {
  switch (k) {
    case WorkRecord::Kind::kNone:
      return "";
    case WorkRecord::Kind::kImport:
      return "import";
    case WorkRecord::Kind::kCreate:
      return "create";
    case WorkRecord::Kind::kVm:
      return "vm";
    case WorkRecord::Kind::kPause:
      return "pause";
  }
  return "";
}

Json Ids(const std::vector<uint64_t>& ids) {
  Json a = Json::array();
  for (uint64_t id : ids) a.push_back(std::to_string(id));
  return a;
}

Status Corrupt(const std::string& why) {
  return Status::Internal("unreadable journal record: " + why);
}

// An id written as a string of digits.
Status ReadId(const Json& v, const char* key, uint64_t* out) {
  if (!v.is_string() || !base::ParseUint64(v.get<std::string>(), out)) {
    return Corrupt(std::string("'") + key + "' is not an id");
  }
  return Status::OK();
}

// One id or a list of them.
Status ReadIds(const Json& j, const char* key, std::vector<uint64_t>* out) {
  if (!j.contains(key)) return Status::OK();
  const Json& v = j[key];
  if (v.is_array()) {
    for (const Json& x : v) {
      uint64_t id = 0;
      IMAGO_RETURN_IF_ERROR(ReadId(x, key, &id));
      out->push_back(id);
    }
    return Status::OK();
  }
  uint64_t id = 0;
  IMAGO_RETURN_IF_ERROR(ReadId(v, key, &id));
  out->push_back(id);
  return Status::OK();
}

Status ReadOneId(const Json& j, const char* key, uint64_t* out) {
  std::vector<uint64_t> ids;
  IMAGO_RETURN_IF_ERROR(ReadIds(j, key, &ids));
  if (ids.size() > 1) return Corrupt(std::string("'") + key + "' holds several ids");
  if (!ids.empty()) *out = ids[0];
  return Status::OK();
}

Status ReadText(const Json& j, const char* key, std::string* out) {
  if (!j.contains(key)) return Status::OK();
  if (!j[key].is_string()) return Corrupt(std::string("'") + key + "' is not text");
  *out = j[key].get<std::string>();
  return Status::OK();
}

}  // namespace

std::string WorkRecord::ToJson() const {
  if (kind == Kind::kNone) return "";
  Json j = {{"kind", KindName(kind)}};
  if (image_id) j["imageId"] = std::to_string(image_id);
  if (!tmp.empty()) j["tmp"] = tmp;
  if (!digest.empty()) j["digest"] = digest;
  if (!disks.empty()) j["disks"] = Ids(disks);
  if (instance) j["instance"] = std::to_string(instance);
  if (!attached.empty()) j["attached"] = Ids(attached);
  if (snapshot) j["snapshot"] = std::to_string(snapshot);
  return j.dump();
}

Result<WorkRecord> WorkRecord::Parse(const std::string& text) {
  WorkRecord r;
  if (text.empty()) return r;
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Corrupt("not a JSON object");
  std::string kind;
  IMAGO_RETURN_IF_ERROR(ReadText(j, "kind", &kind));
  for (Kind k : {Kind::kImport, Kind::kCreate, Kind::kVm, Kind::kPause}) {
    if (kind == KindName(k)) r.kind = k;
  }
  if (r.kind == Kind::kNone) return Corrupt("unknown kind '" + kind + "'");
  IMAGO_RETURN_IF_ERROR(ReadOneId(j, "imageId", &r.image_id));
  IMAGO_RETURN_IF_ERROR(ReadText(j, "tmp", &r.tmp));
  IMAGO_RETURN_IF_ERROR(ReadText(j, "digest", &r.digest));
  IMAGO_RETURN_IF_ERROR(ReadIds(j, "disks", &r.disks));
  IMAGO_RETURN_IF_ERROR(ReadOneId(j, "instance", &r.instance));
  IMAGO_RETURN_IF_ERROR(ReadIds(j, "attached", &r.attached));
  IMAGO_RETURN_IF_ERROR(ReadOneId(j, "snapshot", &r.snapshot));
  return r;
}

Result<Work> BeginWork(LocalStore& s, const std::string& project, const std::string& zone,
                       const char* type, const compute::MutationOptions& opts, const BeginFn& fn) {
  if (!opts.request_id.empty()) IMAGO_RETURN_IF_ERROR(compute::ValidateRequestId(opts.request_id));
  Work w;
  w.project = project;
  std::lock_guard lock(s.mu());
  w.op = s.NewOperation(project, type, opts.request_id, zone);
  std::string lock_path = s.OperationLockPath(w.op.name);
  auto l = base::FileLock::Acquire(lock_path);
  if (!l.ok()) return l.status();
  w.lock = std::move(l.value());
  Status st = s.catalog().db().WriteTxn([&]() -> Status {
    if (!opts.request_id.empty()) {
      auto prior = s.catalog().FindOperationByRequestId(project, opts.request_id);
      if (!prior.ok()) return prior.status();
      if (prior->has_value()) {
        w.op = (*prior)->op;
        w.replayed = true;
        return Status::OK();
      }
    }
    IMAGO_RETURN_IF_ERROR(fn(&w.op, &w.record));
    return s.catalog().InsertOperation({w.op, project, s.NowUs(), w.record.ToJson()});
  });
  if (!st.ok() || w.replayed) {
    unlink(lock_path.c_str());
    if (!st.ok()) return st;
  }
  return w;
}

Result<Operation> EndWork(LocalStore& s, Work& w, const std::function<Status()>& fn) {
  std::lock_guard lock(s.mu());
  Status st = s.catalog().db().WriteTxn([&]() -> Status {
    IMAGO_RETURN_IF_ERROR(fn());
    w.op.status = "DONE";
    w.op.progress = 100;
    w.op.end_time = s.Now3339();
    return s.catalog().UpdateOperation({w.op, w.project, 0, ""});
  });
  if (!st.ok()) return st;
  // DONE is committed before the lock goes: recovery reads a free lock of a
  // DONE operation as finished, never as interrupted.
  unlink(s.OperationLockPath(w.op.name).c_str());
  w.lock.Unlock();
  return w.op;
}

Status FailWork(LocalStore& s, Work& w, const Status& why) {
  if (!UndoWork(s, w.project, w.record).ok()) {
    // The operation stays RUNNING with its record; once this Work (and its
    // lock) is gone, the next recovery finishes the undo.
    return why;
  }
  std::lock_guard lock(s.mu());
  Status st = s.catalog().db().WriteTxn([&]() -> Status {
    internal::MarkFailed(&w.op, why,
                         why.code() == compute::Code::kInvalid ? "INVALID_FIELD_VALUE" : "FAILED",
                         s.Now3339());
    return s.catalog().UpdateOperation({w.op, w.project, 0, ""});
  });
  if (st.ok()) unlink(s.OperationLockPath(w.op.name).c_str());
  return why;
}

}  // namespace imago::localcloud
