// LocalCloud's VM resources: zones, disks, snapshots, instances, zone
// operations, and the crash recovery of their long mutations.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "compute/names.h"
#include "compute/vm_codec.h"
#include "localcloud/local_cloud.h"
#include "localcloud/local_util.h"
#include "localcloud/machine_types.h"
#include "localcloud/metadata_server.h"
#include "localcloud/qemu.h"
#include "localcloud/subprocess.h"

namespace imago::localcloud {

using compute::AttachedDisk;
using compute::Disk;
using compute::Image;
using compute::Instance;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::Metadata;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Snapshot;
using compute::Status;
using internal::MarkFailed;
using internal::PageFiller;
using internal::PlanList;

namespace {

constexpr const char* kDisk = "disk";
constexpr const char* kSnapshot = "snapshot";
constexpr const char* kInstance = "instance";
constexpr const char* kPortsKey = "imago-ports";
constexpr const char* kBootCmdline = "root=/dev/nvme0n1 rw console=ttyS0 panic=-1";

template <typename T>
Json ToJsonOf(const T& v) {
  return compute::ToJson(v);
}

Status ValidateMetadata(const Metadata& m) {
  size_t total = 0;
  std::set<std::string> seen;
  for (const auto& [k, v] : m.items) {
    bool ok = !k.empty() && k.size() < 128;
    for (char c : k) ok = ok && (isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    if (!ok) {
      return Status::InvalidField("metadata.items.key", k,
                                  "Keys are 1-127 characters of [a-zA-Z0-9-_].");
    }
    if (!seen.insert(k).second) {
      return Status::InvalidField("metadata.items.key", k, "Each key may appear once.");
    }
    if (v.size() > 256 * 1024) {
      return Status::InvalidField("metadata.items.value", k + "=...",
                                  "A value holds at most 256 KiB.");
    }
    total += k.size() + v.size();
  }
  if (total > 512 * 1024) {
    return Status::Invalid("Metadata holds at most 512 KiB in all; it has " +
                           std::to_string(total) + " bytes.");
  }
  return Status::OK();
}

// The `imago-ports` metadata value: "80", "8080:80", "80,443" (GUEST or HOST:GUEST).
Result<std::vector<compute::ForwardedPort>> ParsePorts(const std::string& text) {
  std::vector<compute::ForwardedPort> ports;
  std::istringstream in(text);
  std::set<int> guests, hosts;
  for (std::string item; std::getline(in, item, ',');) {
    if (item.empty()) continue;
    compute::ForwardedPort p;
    size_t colon = item.find(':');
    char* end = nullptr;
    auto num = [&](const std::string& s) {
      long v = strtol(s.c_str(), &end, 10);
      return (s.empty() || *end || v < 1 || v > 65535) ? -1 : static_cast<int>(v);
    };
    p.guest_port = num(colon == std::string::npos ? item : item.substr(colon + 1));
    if (colon != std::string::npos) p.host_port = num(item.substr(0, colon));
    if (p.guest_port < 0 || p.host_port < 0) {
      return Status::InvalidField(std::string("metadata.") + kPortsKey, text,
                                  "Ports are GUEST or HOST:GUEST numbers 1-65535, comma-separated "
                                  "(e.g. 80 or 8080:80,443).");
    }
    if (!guests.insert(p.guest_port).second || (p.host_port && !hosts.insert(p.host_port).second)) {
      return Status::InvalidField(std::string("metadata.") + kPortsKey, text,
                                  "Each port may be forwarded once.");
    }
    ports.push_back(p);
  }
  return ports;
}

// "projects/..." of a resource URL (the form GCE's messages use).
std::string PathOf(const Json& url) {
  std::string s = url.is_string() ? url.get<std::string>() : "";
  size_t p = s.find("projects/");
  return p == std::string::npos ? s : s.substr(p);
}

std::string ReadFileFrom(const std::string& path, int64_t start, int64_t max, int64_t* size) {
  *size = 0;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  struct stat st;
  fstat(fd, &st);
  *size = st.st_size;
  std::string out;
  if (start < st.st_size) {
    out.resize(static_cast<size_t>(std::min<int64_t>(max, st.st_size - start)));
    ssize_t n = pread(fd, out.data(), out.size(), start);
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  close(fd);
  return out;
}

// One page of the `kind` rows a list plan selects, each read with `read`.
// The caller holds the LocalCloud's lock.
template <typename T, typename Read>
Result<ListPage<T>> FillPage(Catalog& catalog, const char* kind, const std::string& project,
                             const std::string& zone, const internal::ListPlan& plan,
                             const Read& read) {
  PageFiller<T> filler(plan);
  Status bad;
  Status st = catalog.db().ReadTxn([&]() -> Status {
    return catalog.ScanResources(kind, project, zone, plan.scan, [&](ResourceRow&& r) {
      auto x = read(r.resource);
      if (!x.ok()) {
        bad = x.status();
        return false;
      }
      return filler.Add(std::move(x.value()), r.resource, r.creation_us, r.name);
    });
  });
  if (!st.ok()) return st;
  if (!bad.ok()) return bad;
  return filler.Finish();
}

}  // namespace

// ---------------------------------------------------------------- helpers

void LocalCloud::MaybePause(const char* step) const {
  if (options_.pause_at != step) return;
  fprintf(stderr, "imago: paused at %s\n", step);
  fflush(stderr);
  std::this_thread::sleep_for(std::chrono::seconds(60));
}

std::string LocalCloud::RunDir(uint64_t instance_id) const {
  return options_.home + "/run/" + std::to_string(instance_id);
}

Status LocalCloud::CheckZone(const std::string& project, const std::string& zone) const {
  IMAGO_RETURN_IF_ERROR(compute::ValidateProject(project));
  for (const auto& z : options_.zones) {
    if (z == zone) return Status::OK();
  }
  return Status::ResourceNotFound(compute::ZonePath(project, zone));
}

std::string LocalCloud::ZoneLink(const std::string& project, const std::string& zone) const {
  return compute::Link(options_.self_link_base, compute::ZonePath(project, zone));
}

Result<ResourceRow> LocalCloud::LoadRow(const char* kind, const char* collection,
                                        const std::string& project, const std::string& zone,
                                        const std::string& name) {
  std::string path = zone.empty() ? compute::GlobalPath(project, collection, name)
                                  : compute::ZonalPath(project, zone, collection, name);
  if (name.empty()) return Status::ResourceNotFound(path);
  auto row = catalog_->FindResource(kind, project, zone, name);
  if (!row.ok()) return row.status();
  if (!row->has_value()) return Status::ResourceNotFound(path);
  return std::move(**row);
}

Result<ResourceRow> LocalCloud::ResolveSnapshot(const std::string& project,
                                                const std::string& field, const std::string& text) {
  auto ref = compute::ParseResourceRef(field, text, "snapshots", false);
  if (!ref.ok()) return ref.status();
  const std::string& p = ref->project.empty() ? project : ref->project;
  auto row = LoadRow(kSnapshot, "snapshots", p, "", ref->name);
  if (!row.ok()) {
    if (row.status().code() == compute::Code::kNotFound) {
      return Status::InvalidField(field, text, "The referenced snapshot resource cannot be found.");
    }
    return row.status();
  }
  if (row->status != "READY") {
    return Status::NotReady(fmt::format("The resource '{}' is not ready (status {}).",
                                        compute::GlobalPath(p, "snapshots", row->name),
                                        row->status));
  }
  return row;
}

// ---------------------------------------------------------------- journal

Result<LocalCloud::Work> LocalCloud::BeginWork(const std::string& project, const std::string& zone,
                                               const char* type, const MutationOptions& opts,
                                               const TxnFn& fn) {
  if (!opts.request_id.empty()) IMAGO_RETURN_IF_ERROR(compute::ValidateRequestId(opts.request_id));
  Work w;
  w.project = project;
  std::lock_guard lock(mu_);
  w.op = NewOperation(project, type, opts.request_id, zone);
  auto l = FileLock::Acquire(options_.home + "/tmp/" + w.op.name + ".lock");
  if (!l.ok()) return l.status();
  w.lock = std::move(l.value());
  Status st = catalog_->db().WriteTxn([&]() -> Status {
    if (!opts.request_id.empty()) {
      auto prior = catalog_->FindOperationByRequestId(project, opts.request_id);
      if (!prior.ok()) return prior.status();
      if (prior->has_value()) {
        w.op = (*prior)->op;
        w.replayed = true;
        return Status::OK();
      }
    }
    Json work = Json::object();
    IMAGO_RETURN_IF_ERROR(fn(&w.op, &work));
    return catalog_->InsertOperation({w.op, project, NowUs(), work.dump()});
  });
  if (!st.ok() || w.replayed) {
    unlink((options_.home + "/tmp/" + w.op.name + ".lock").c_str());
    if (!st.ok()) return st;
  }
  return w;
}

Result<Operation> LocalCloud::EndWork(Work& w, const std::function<Status()>& fn) {
  std::lock_guard lock(mu_);
  Status st = catalog_->db().WriteTxn([&]() -> Status {
    IMAGO_RETURN_IF_ERROR(fn());
    w.op.status = "DONE";
    w.op.progress = 100;
    w.op.end_time = Now3339();
    return catalog_->UpdateOperation({w.op, w.project, 0, ""});
  });
  if (!st.ok()) return st;
  unlink((options_.home + "/tmp/" + w.op.name + ".lock").c_str());
  return w.op;
}

Status LocalCloud::FailWork(Work& w, const Status& why, const Json& work) {
  Status undo = UndoWork(w.project, work);
  std::lock_guard lock(mu_);
  Status st = catalog_->db().WriteTxn([&]() -> Status {
    MarkFailed(&w.op, why, why.code() == compute::Code::kInvalid ? "INVALID_FIELD_VALUE" : "FAILED",
               Now3339());
    return catalog_->UpdateOperation({w.op, w.project, 0, ""});
  });
  if (st.ok() && undo.ok()) unlink((options_.home + "/tmp/" + w.op.name + ".lock").c_str());
  return why;
}

// Work records:
//   {"kind":"create", "disks":[ID...], "instance":ID, "attached":[ID...], "snapshot":ID}
//     rows made CREATING/PROVISIONING by the operation: removed (with their
//     files, and the instance's QEMU); "attached": existing disks whose
//     users lost the instance again.
//   {"kind":"vm", "instance":ID}       start/stop/reset/delete: the instance's
//     status is set from whether its QEMU runs.
//   {"kind":"pause", "instance":ID}    a snapshot paused the VM: resume it.
Status LocalCloud::UndoWork(const std::string& project, const Json& work) {
  (void)project;
  auto ids = [&](const char* key) {
    std::vector<uint64_t> out;
    if (work.contains(key) && work[key].is_array()) {
      for (const auto& v : work[key]) out.push_back(std::stoull(v.get<std::string>()));
    } else if (work.contains(key) && work[key].is_string()) {
      out.push_back(std::stoull(work[key].get<std::string>()));
    }
    return out;
  };
  std::string kind = work.value("kind", "");
  std::vector<std::string> files;
  for (uint64_t id : ids("instance")) {
    std::lock_guard lock(mu_);
    auto row = catalog_->FindResourceById(id);
    if (!row.ok()) return row.status();
    if (!row->has_value()) continue;
    int pid = (*row)->local.value("pid", 0);
    std::string run = RunDir(id);
    if (kind == "pause") {
      if (VmAlive(pid, run)) (void)QmpCommand(run + "/qmp", "cont");
      continue;
    }
    if (kind == "create") {
      for (const auto& [vm_pid, dir] : FindVms(options_.home + "/run/")) {
        if (dir == run) (void)StopVm(vm_pid, dir, std::chrono::milliseconds(0));
      }
      std::error_code ec;
      std::filesystem::remove_all(run, ec);
    }
  }
  std::lock_guard lock(mu_);
  Status st = catalog_->db().WriteTxn([&]() -> Status {
    files.clear();
    for (uint64_t id : ids("disks")) {
      auto row = catalog_->FindResourceById(id);
      if (!row.ok()) return row.status();
      if (row->has_value()) {
        files.push_back((*row)->local.value("file", ""));
        IMAGO_RETURN_IF_ERROR(catalog_->DeleteResource(id));
      }
    }
    for (uint64_t id : ids("snapshot")) {
      auto row = catalog_->FindResourceById(id);
      if (!row.ok()) return row.status();
      if (row->has_value() && (*row)->status != "READY") {
        IMAGO_RETURN_IF_ERROR(catalog_->DeleteResource(id));
      }
    }
    for (uint64_t id : ids("instance")) {
      auto row = catalog_->FindResourceById(id);
      if (!row.ok()) return row.status();
      if (!row->has_value()) continue;
      ResourceRow& r = **row;
      if (kind == "create") {
        std::string link = r.resource.value("selfLink", "");
        for (uint64_t d : ids("attached")) {
          auto disk = catalog_->FindResourceById(d);
          if (!disk.ok()) return disk.status();
          if (!disk->has_value()) continue;
          auto users = (*disk)->resource.value("users", Json::array());
          Json kept = Json::array();
          for (const auto& u : users) {
            if (u != link) kept.push_back(u);
          }
          (*disk)->resource["users"] = kept;
          if (kept.empty()) (*disk)->resource.erase("users");
          IMAGO_RETURN_IF_ERROR(catalog_->UpdateResource(**disk));
        }
        IMAGO_RETURN_IF_ERROR(catalog_->DeleteResource(id));
      } else if (kind == "vm") {
        bool alive = VmAlive(r.local.value("pid", 0), RunDir(id));
        r.status = alive ? "RUNNING" : "TERMINATED";
        r.resource["status"] = r.status;
        if (!alive) r.local["pid"] = 0;
        IMAGO_RETURN_IF_ERROR(catalog_->UpdateResource(r));
      }
    }
    return Status::OK();
  });
  if (!st.ok()) return st;
  for (const auto& f : files) {
    if (!f.empty()) unlink(f.c_str());
  }
  if (work.contains("tmp") && work["tmp"].is_string()) {
    unlink(work["tmp"].get<std::string>().c_str());
  }
  return Status::OK();
}

Status LocalCloud::ReconcileVms(RecoveryReport* report) {
  // 1. Long mutations whose process died: undo them.
  std::vector<OperationRow> unfinished;
  {
    std::lock_guard lock(mu_);
    auto ops = catalog_->UnfinishedOperations();
    if (!ops.ok()) return ops.status();
    unfinished = std::move(ops.value());
  }
  std::set<uint64_t> busy;  // Instances a live operation is working on.
  for (OperationRow& row : unfinished) {
    Json work = Json::parse(row.work, nullptr, false);
    if (!work.is_object() || work.value("kind", "") == "import") continue;
    std::string lock_path = options_.home + "/tmp/" + row.op.name + ".lock";
    bool alive = false;
    auto lock = FileLock::TryAcquire(lock_path, &alive);
    if (alive || !lock.ok()) {
      if (work.contains("instance") && work["instance"].is_string()) {
        busy.insert(std::stoull(work["instance"].get<std::string>()));
      }
      continue;
    }
    // The lock is ours now: its owner is gone, or it finished (it marks the
    // operation DONE before it lets go of the lock). Only read now, not
    // before taking the lock, does the status tell which.
    bool finished = false;
    {
      std::lock_guard g(mu_);
      auto again = catalog_->FindOperation(row.project, row.op.name);
      if (!again.ok()) return again.status();
      finished = !again->has_value() || (*again)->op.done();
    }
    if (finished) {
      unlink(lock_path.c_str());
      continue;
    }
    IMAGO_RETURN_IF_ERROR(UndoWork(row.project, work));
    std::lock_guard g(mu_);
    IMAGO_RETURN_IF_ERROR(catalog_->db().WriteTxn([&]() -> Status {
      auto again = catalog_->FindOperation(row.project, row.op.name);
      if (!again.ok()) return again.status();
      if (!again->has_value() || (*again)->op.done()) return Status::OK();
      MarkFailed(&row.op,
                 Status::Unavailable("The operation was interrupted (its process ended); what it "
                                     "had done was undone. Run it again."),
                 "OPERATION_INTERRUPTED", Now3339());
      row.work.clear();
      if (report) ++report->operations_undone;
      return catalog_->UpdateOperation(row);
    }));
    unlink(lock_path.c_str());
  }
  // 2. Disk files no disk row owns (a create undone while its qemu-img still
  //    ran, a delete cut between its commit and the unlink) are removed: a
  //    disk's row is made before its file and removed before its file.
  {
    std::set<uint64_t> disk_ids;
    {
      std::lock_guard lock(mu_);
      auto all = catalog_->AllResources(kDisk);
      if (!all.ok()) return all.status();
      for (const auto& d : *all) disk_ids.insert(d.id);
    }
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(options_.home + "/disks", ec)) {
      std::string name = e.path().filename().string();
      uint64_t id = strtoull(name.c_str(), nullptr, 10);
      if (name.ends_with(".qcow2") && id && !disk_ids.count(id)) {
        std::filesystem::remove(e.path(), ec);
        if (report) ++report->temp_files_removed;
      }
    }
  }
  // 3. Instances whose QEMU died are TERMINATED.
  std::vector<ResourceRow> instances;
  {
    std::lock_guard lock(mu_);
    auto all = catalog_->AllResources(kInstance);
    if (!all.ok()) return all.status();
    instances = std::move(all.value());
  }
  for (ResourceRow& r : instances) {
    if (r.status == "RUNNING" && !busy.count(r.id)) {
      bool was = r.status == "RUNNING";
      IMAGO_RETURN_IF_ERROR(RefreshInstance(&r));
      if (was && r.status == "TERMINATED" && report) ++report->instances_terminated;
    }
  }
  // 4. QEMU processes of this home that no instance owns are stopped. The
  //    row is read again for each: another process may be creating or
  //    starting that very instance (its row is PROVISIONING or STAGING
  //    until the pid is recorded), and that VM is not an orphan.
  for (const auto& [pid, run_dir] : FindVms(options_.home + "/run/")) {
    uint64_t id = strtoull(run_dir.substr(run_dir.rfind('/') + 1).c_str(), nullptr, 10);
    std::optional<ResourceRow> row;
    {
      std::lock_guard lock(mu_);
      auto r = catalog_->FindResourceById(id);
      if (!r.ok()) return r.status();
      row = std::move(r.value());
    }
    if (row && row->kind == kInstance &&
        (busy.count(id) || row->local.value("pid", 0) == pid || row->status == "PROVISIONING" ||
         row->status == "STAGING" || row->status == "STOPPING")) {
      continue;
    }
    IMAGO_RETURN_IF_ERROR(StopVm(pid, run_dir, std::chrono::milliseconds(0)));
    if (!row) {
      std::error_code ec;
      std::filesystem::remove_all(run_dir, ec);
    }
    if (report) ++report->orphan_vms_stopped;
  }
  return Status::OK();
}

// ---------------------------------------------------------------- zones

Result<std::vector<compute::Zone>> LocalCloud::ListZones(const std::string& project) {
  IMAGO_RETURN_IF_ERROR(CheckProject(project));
  std::vector<compute::Zone> out;
  uint64_t n = 0;
  for (const auto& z : options_.zones) {
    compute::Zone zone;
    zone.id = 2000 + ++n;
    zone.name = z;
    zone.description = z + " (imago local cloud)";
    zone.status = "UP";
    zone.region = compute::Link(options_.self_link_base,
                                "projects/" + project + "/regions/" + z.substr(0, z.rfind('-')));
    zone.self_link = ZoneLink(project, z);
    out.push_back(std::move(zone));
  }
  return out;
}

// ---------------------------------------------------------------- disks

Result<ResourceRow> LocalCloud::NewDiskRow(const std::string& project, const std::string& zone,
                                           const Disk& in, const std::string& field,
                                           Operation* op) {
  IMAGO_RETURN_IF_ERROR(compute::ValidateName(field + ".name", in.name));
  IMAGO_RETURN_IF_ERROR(compute::ValidateLabels(field + ".labels", in.labels));
  if (!in.source_image.empty() && !in.source_snapshot.empty()) {
    return Status::Invalid("A disk has at most one source: sourceImage or sourceSnapshot.");
  }
  if (in.size_gb < 0 || in.size_gb > 65536) {
    return Status::InvalidField(field + ".sizeGb", std::to_string(in.size_gb),
                                "A disk is 1 to 65536 GB.");
  }
  auto existing = catalog_->FindResource(kDisk, project, zone, in.name);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    return Status::ResourceExists(compute::ZonalPath(project, zone, "disks", in.name));
  }
  Disk d;
  d.name = in.name;
  d.description = in.description;
  d.labels = in.labels;
  d.label_fingerprint = compute::LabelFingerprint(d.labels);
  d.zone = ZoneLink(project, zone);
  d.type = compute::Link(
      options_.self_link_base,
      compute::ZonalPath(project, zone, "diskTypes",
                         in.type.empty() ? "pd-standard" : compute::LastSegment(in.type)));
  d.self_link =
      compute::Link(options_.self_link_base, compute::ZonalPath(project, zone, "disks", d.name));
  ResourceRow row;
  row.kind = kDisk;
  row.project = project;
  row.zone = zone;
  row.name = d.name;
  row.id = NewId();
  d.id = row.id;
  int64_t min_gb = 1;
  if (!in.source_image.empty()) {
    auto src = ResolveSource(project, field + ".sourceImage", in.source_image, op);
    if (!src.ok()) return src.status();
    d.source_image = src->image.self_link;
    d.source_image_id = std::to_string(src->image.id);
    row.content = src->content;
    row.source_image_id = src->image.id;
    min_gb = std::max<int64_t>(1, src->image.disk_size_gb);
  } else if (!in.source_snapshot.empty()) {
    auto snap = ResolveSnapshot(project, field + ".sourceSnapshot", in.source_snapshot);
    if (!snap.ok()) return snap.status();
    d.source_snapshot = snap->resource.value("selfLink", "");
    d.source_snapshot_id = std::to_string(snap->id);
    row.content = snap->content;
    row.source_image_id = snap->source_image_id;
    min_gb = std::max<int64_t>(1, std::stoll(snap->resource.value("diskSizeGb", "1")));
  }
  d.size_gb = in.size_gb ? in.size_gb : (row.content.empty() ? 10 : min_gb);
  if (d.size_gb < min_gb) {
    return Status::InvalidField(field + ".sizeGb", std::to_string(in.size_gb),
                                fmt::format("Requested disk size cannot be smaller than the "
                                            "source's size ({} GB).",
                                            min_gb));
  }
  row.creation_us = NowUs();
  d.creation_timestamp = compute::FormatRfc3339(row.creation_us);
  d.status = "CREATING";
  row.status = d.status;
  row.resource = ToJsonOf(d);
  row.local = {{"file", options_.home + "/disks/" + std::to_string(row.id) + ".qcow2"}};
  return row;
}

Status LocalCloud::CreateDiskFile(const ResourceRow& disk) {
  std::string file = disk.local.value("file", "");
  if (mkdir((options_.home + "/disks").c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Unavailable("cannot create " + options_.home + "/disks: " + strerror(errno));
  }
  int64_t size_gb = std::stoll(disk.resource.value("sizeGb", "1"));
  std::vector<std::string> argv = {"qemu-img", "create", "-q", "-f", "qcow2"};
  if (!disk.content.empty()) {
    std::string format = "qcow2";
    {
      std::lock_guard lock(mu_);
      auto blob = catalog_->FindBlob(disk.content);
      if (!blob.ok()) return blob.status();
      if (blob->has_value()) format = (*blob)->disk.format;
    }
    argv.insert(argv.end(), {"-b", store_.BlobPath(disk.content), "-F", format});
  }
  argv.insert(argv.end(), {file, std::to_string(size_gb) + "G"});
  auto r = RunProcess(argv);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    unlink(file.c_str());
    return Status::Unavailable("cannot create the disk file: " + FirstLine(r->err));
  }
  return Status::OK();
}

Result<Operation> LocalCloud::InsertDisk(const std::string& project, const std::string& zone,
                                         const Disk& disk, const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(CheckZone(project, zone));
  ResourceRow row;
  auto w = BeginWork(project, zone, "insert", opts, [&](Operation* op, Json* work) -> Status {
    auto r = NewDiskRow(project, zone, disk, "disk", op);
    if (!r.ok()) return r.status();
    row = std::move(r.value());
    IMAGO_RETURN_IF_ERROR(catalog_->InsertResource(row));
    op->target_link = row.resource["selfLink"];
    op->target_id = row.id;
    *work = {{"kind", "create"}, {"disks", {std::to_string(row.id)}}};
    return Status::OK();
  });
  if (!w.ok()) return w.status();
  if (w->replayed) return w->op;
  Json work = {{"kind", "create"}, {"disks", {std::to_string(row.id)}}};
  Status st = CreateDiskFile(row);
  if (!st.ok()) return FailWork(*w, st, work);
  return EndWork(*w, [&]() -> Status {
    row.status = "READY";
    row.resource["status"] = "READY";
    return catalog_->UpdateResource(row);
  });
}

Result<Disk> LocalCloud::GetDisk(const std::string& project, const std::string& zone,
                                 const std::string& disk) {
  IMAGO_RETURN_IF_ERROR(CheckZone(project, zone));
  std::lock_guard lock(mu_);
  auto row = LoadRow(kDisk, "disks", project, zone, disk);
  if (!row.ok()) return row.status();
  return compute::DiskFromJson(row->resource);
}

Result<ListPage<Disk>> LocalCloud::ListDisks(const std::string& project, const std::string& zone,
                                             const ListOptions& opts) {
  IMAGO_RETURN_IF_ERROR(CheckZone(project, zone));
  auto plan = PlanList("disks", project, opts, compute::DiskFilterSchema(), zone);
  if (!plan.ok()) return plan.status();
  plan->scan.name = plan->filter.RequiredValue("name");
  std::lock_guard lock(mu_);
  return FillPage<Disk>(*catalog_, kDisk, project, zone, *plan,
                        [](const Json& j) { return compute::DiskFromJson(j); });
}

Result<Operation> LocalCloud::DeleteDisk(const std::string& project, const std::string& zone,
                                         const std::string& disk, const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(CheckZone(project, zone));
  std::string file;
  auto op = Mutate(
      project, "delete", opts,
      [&](Operation* op) -> Status {
        auto row = LoadRow(kDisk, "disks", project, zone, disk);
        if (!row.ok()) return row.status();
        auto users = row->resource.value("users", Json::array());
        if (!users.empty()) {
          return Status::ResourceInUse(
              fmt::format("The disk resource '{}' is already being used by '{}'",
                          compute::ZonalPath(project, zone, "disks", row->name), PathOf(users[0])));
        }
        if (row->status == "CREATING") {
          return Status::NotReady("The disk is being created; delete it when it is READY.");
        }
        file = row->local.value("file", "");
        IMAGO_RETURN_IF_ERROR(catalog_->DeleteResource(row->id));
        // The image may be gone already: then the disk was what kept its content.
        if (!row->content.empty()) IMAGO_RETURN_IF_ERROR(ReleaseContent(row->content));
        op->target_link = row->resource.value("selfLink", "");
        op->target_id = row->id;
        return Status::OK();
      },
      zone);
  if (op.ok() && !file.empty()) unlink(file.c_str());
  if (op.ok()) IMAGO_RETURN_IF_ERROR(CollectTrash());
  return op;
}

// ---------------------------------------------------------------- snapshots

Result<Operation> LocalCloud::CreateSnapshot(const std::string& project, const std::string& zone,
                                             const std::string& disk, const Snapshot& in,
                                             const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(CheckZone(project, zone));
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("snapshot.name", in.name));
  IMAGO_RETURN_IF_ERROR(compute::ValidateLabels("snapshot.labels", in.labels));
  ResourceRow disk_row, snap;
  int running_pid = 0;
  std::string run_dir;
  Json work;
  auto w = BeginWork(project, zone, "createSnapshot", opts, [&](Operation* op, Json* wk) {
    auto d = LoadRow(kDisk, "disks", project, zone, disk);
    if (!d.ok()) return d.status();
    if (d->status != "READY") return Status::NotReady("The disk is not READY.");
    disk_row = std::move(d.value());
    auto existing = catalog_->FindResource(kSnapshot, project, "", in.name);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) {
      return Status::ResourceExists(compute::GlobalPath(project, "snapshots", in.name));
    }
    // A disk in use by a running VM: pause it so that the copy is consistent.
    for (const auto& u : disk_row.resource.value("users", Json::array())) {
      auto inst = catalog_->FindResource(kInstance, project, zone,
                                         compute::LastSegment(u.get<std::string>()));
      if (inst.ok() && inst->has_value() && (*inst)->status == "RUNNING") {
        running_pid = (*inst)->local.value("pid", 0);
        run_dir = RunDir((*inst)->id);
        (*wk)["instance"] = std::to_string((*inst)->id);
      }
    }
    Snapshot s;
    s.name = in.name;
    s.description = in.description;
    s.labels = in.labels;
    s.label_fingerprint = compute::LabelFingerprint(s.labels);
    s.source_disk = disk_row.resource.value("selfLink", "");
    s.source_disk_id = std::to_string(disk_row.id);
    s.disk_size_gb = std::stoll(disk_row.resource.value("sizeGb", "1"));
    s.self_link =
        compute::Link(options_.self_link_base, compute::GlobalPath(project, "snapshots", s.name));
    s.status = "CREATING";
    snap.kind = kSnapshot;
    snap.project = project;
    snap.name = s.name;
    snap.id = NewId();
    s.id = snap.id;
    snap.creation_us = NowUs();
    s.creation_timestamp = compute::FormatRfc3339(snap.creation_us);
    s.extra["storageLocations"] = {"local"};
    snap.status = s.status;
    snap.source_image_id = disk_row.source_image_id;
    snap.resource = ToJsonOf(s);
    IMAGO_RETURN_IF_ERROR(catalog_->InsertResource(snap));
    (*wk)["kind"] = "pause";
    (*wk)["snapshot"] = std::to_string(snap.id);
    (*wk)["tmp"] = options_.home + "/tmp/" + op->name + ".qcow2";
    op->target_link = s.self_link;
    op->target_id = snap.id;
    work = *wk;
    return Status::OK();
  });
  if (!w.ok()) return w.status();
  if (w->replayed) return w->op;
  std::string tmp = work["tmp"];
  bool paused = false;
  if (running_pid && VmAlive(running_pid, run_dir)) {
    // QEMU flushes its caches when it stops the guest.
    paused = QmpCommand(run_dir + "/qmp", "stop").ok();
  }
  auto conv = RunProcess(
      {"qemu-img", "convert", "-U", "-O", "qcow2", "-c", disk_row.local.value("file", ""), tmp});
  if (paused) (void)QmpCommand(run_dir + "/qmp", "cont");
  Status st = !conv.ok() ? conv.status()
              : conv->exit_code != 0
                  ? Status::Unavailable("cannot copy the disk: " + FirstLine(conv->err))
                  : Status::OK();
  if (!st.ok()) return FailWork(*w, st, work);
  // The copy becomes content in the store, like an imported image.
  auto blob = store_.Reserve(w->op.name + ".snap");
  if (!blob.ok()) return FailWork(*w, blob.status(), work);
  st = store_.Import(tmp, "snapshot", opts.progress, &blob.value());
  unlink(tmp.c_str());
  if (!st.ok()) return FailWork(*w, st, work);
  auto store_lock = FileLock::Acquire(options_.home + "/store.lock");
  if (!store_lock.ok()) return FailWork(*w, store_lock.status(), work);
  st = store_.Publish(&blob.value());
  if (!st.ok()) return FailWork(*w, st, work);
  return EndWork(*w, [&]() -> Status {
    IMAGO_RETURN_IF_ERROR(catalog_->InsertBlob(blob->info, NowUs()));
    snap.content = blob->info.digest;
    snap.status = "READY";
    snap.resource["status"] = "READY";
    snap.resource["storageBytes"] = std::to_string(blob->info.size);
    return catalog_->UpdateResource(snap);
  });
}

Result<Snapshot> LocalCloud::GetSnapshot(const std::string& project, const std::string& snapshot) {
  IMAGO_RETURN_IF_ERROR(CheckProject(project));
  std::lock_guard lock(mu_);
  auto row = LoadRow(kSnapshot, "snapshots", project, "", snapshot);
  if (!row.ok()) return row.status();
  return compute::SnapshotFromJson(row->resource);
}

Result<ListPage<Snapshot>> LocalCloud::ListSnapshots(const std::string& project,
                                                     const ListOptions& opts) {
  auto plan = PlanList("snapshots", project, opts, compute::SnapshotFilterSchema());
  if (!plan.ok()) return plan.status();
  plan->scan.name = plan->filter.RequiredValue("name");
  std::lock_guard lock(mu_);
  return FillPage<Snapshot>(*catalog_, kSnapshot, project, "", *plan,
                            [](const Json& j) { return compute::SnapshotFromJson(j); });
}

Result<Operation> LocalCloud::DeleteSnapshot(const std::string& project,
                                             const std::string& snapshot,
                                             const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(CheckProject(project));
  auto store_lock = FileLock::Acquire(options_.home + "/store.lock");
  if (!store_lock.ok()) return store_lock.status();
  auto op = Mutate(project, "delete", opts, [&](Operation* op) -> Status {
    auto row = LoadRow(kSnapshot, "snapshots", project, "", snapshot);
    if (!row.ok()) return row.status();
    if (row->status != "READY") {
      return Status::NotReady("The snapshot is being created; delete it when it is READY.");
    }
    IMAGO_RETURN_IF_ERROR(catalog_->DeleteResource(row->id));
    if (!row->content.empty()) IMAGO_RETURN_IF_ERROR(ReleaseContent(row->content));
    op->target_link = row->resource.value("selfLink", "");
    op->target_id = row->id;
    return Status::OK();
  });
  if (!op.ok()) return op;
  std::lock_guard lock(mu_);
  int removed = 0;
  IMAGO_RETURN_IF_ERROR(EmptyTrash(&removed));
  return op;
}

Result<Operation> LocalCloud::ImageFromDisk(const std::string& project, Image image,
                                            const MutationOptions& opts) {
  auto ref = compute::ParseResourceRef("image.sourceDisk", image.source_disk, "disks", true);
  if (!ref.ok()) return ref.status();
  if (ref->zone.empty()) {
    return Status::InvalidField("image.sourceDisk", image.source_disk,
                                "Name the disk with its zone: zones/ZONE/disks/NAME.");
  }
  IMAGO_RETURN_IF_ERROR(CheckZone(project, ref->zone));
  ResourceRow disk;
  {
    std::lock_guard lock(mu_);
    Status st = catalog_->db().ReadTxn([&]() -> Status {
      auto d = LoadRow(kDisk, "disks", project, ref->zone, ref->name);
      if (!d.ok()) return d.status();
      disk = std::move(d.value());
      for (const auto& u : disk.resource.value("users", Json::array())) {
        auto inst = catalog_->FindResource(kInstance, project, ref->zone,
                                           compute::LastSegment(u.get<std::string>()));
        if (inst.ok() && inst->has_value() && (*inst)->status != "TERMINATED") {
          return Status::ResourceInUse(
              fmt::format("The disk resource '{}' is in use by a running instance; stop it first.",
                          compute::ZonalPath(project, ref->zone, "disks", ref->name)));
        }
      }
      return Status::OK();
    });
    if (!st.ok()) return st;
  }
  if (disk.status != "READY") return Status::NotReady("The source disk is not READY.");
  // A disk made from an image (or a snapshot) is a qcow2 overlay on that
  // content: its own file is exactly what changed. The image keeps only that
  // delta, backed by the parent's blob, which then stays while it is needed
  // (blobs.parent). A disk of its own (blank) is copied whole. The copy is
  // held locked in tmp/ so that a crash leaves nothing recovery would not remove.
  std::string tmp = options_.home + "/tmp/image-" + std::to_string(NewId()) + ".qcow2";
  auto tmp_lock = FileLock::Acquire(tmp);
  if (!tmp_lock.ok()) return tmp_lock.status();
  std::string parent = disk.content;
  std::vector<std::string> argv = {"qemu-img", "convert", "-U", "-O", "qcow2"};
  if (!parent.empty()) {
    std::string format = "qcow2";
    {
      std::lock_guard lock(mu_);
      auto blob = catalog_->FindBlob(parent);
      if (!blob.ok()) return blob.status();
      if (blob->has_value()) format = (*blob)->disk.format;
    }
    // -B with the same backing as the disk's: only the overlay's clusters
    // are written (the chain below is not read into the copy).
    argv.insert(argv.end(), {"-B", store_.BlobPath(parent), "-F", format});
  }
  argv.insert(argv.end(), {disk.local.value("file", ""), tmp});
  auto conv = RunProcess(argv);
  if (!conv.ok() || conv->exit_code != 0) {
    unlink(tmp.c_str());
    return conv.ok() ? Status::Unavailable("cannot copy the disk: " + FirstLine(conv->err))
                     : conv.status();
  }
  image.source_disk = disk.resource.value("selfLink", "");
  image.source_disk_id = std::to_string(disk.id);
  if (disk.source_image_id) {
    image.source_image = disk.resource.value("sourceImage", "");
    image.source_image_id = std::to_string(disk.source_image_id);
  }
  auto op = Import(project, std::move(image), tmp, opts, parent);
  unlink(tmp.c_str());
  return op;
}

// ---------------------------------------------------------------- instances

Status LocalCloud::MarkDeadLocked(ResourceRow* row) {
  if (row->status != "RUNNING" || VmAlive(row->local.value("pid", 0), RunDir(row->id))) {
    return Status::OK();
  }
  row->status = "TERMINATED";
  row->resource["status"] = "TERMINATED";
  row->resource["lastStopTimestamp"] = Now3339();
  row->resource.erase("forwardedPorts");
  row->local["pid"] = 0;
  return catalog_->UpdateResource(*row);
}

Status LocalCloud::RefreshInstance(ResourceRow* row) {
  if (row->status != "RUNNING" || VmAlive(row->local.value("pid", 0), RunDir(row->id))) {
    return Status::OK();
  }
  std::lock_guard lock(mu_);
  return catalog_->db().WriteTxn([&]() -> Status {
    auto again = catalog_->FindResourceById(row->id);
    if (!again.ok()) return again.status();
    if (!again->has_value()) return Status::OK();
    *row = std::move(**again);
    return MarkDeadLocked(row);
  });
}

Status LocalCloud::BootInstance(const std::string& project, Instance* in, ResourceRow* row) {
  std::string zone = compute::LastSegment(in->zone);
  auto type = ResolveMachineType("instance.machineType", compute::LastSegment(in->machine_type));
  if (!type.ok()) return type.status();
  VmSpec spec;
  spec.name = in->name;
  spec.run_dir = RunDir(in->id);
  spec.cpus = type->cpus;
  spec.memory_mb = type->memory_mb;
  spec.cmdline = kBootCmdline;
  std::string boot_content, boot_format = "qcow2";
  {
    std::lock_guard lock(mu_);
    std::vector<const AttachedDisk*> order;
    for (const auto& d : in->disks) {
      if (d.boot)
        order.insert(order.begin(), &d);
      else
        order.push_back(&d);
    }
    for (const AttachedDisk* d : order) {
      auto row_d = catalog_->FindResource(kDisk, project, zone, compute::LastSegment(d->source));
      if (!row_d.ok()) return row_d.status();
      if (!row_d->has_value()) return Status::ResourceNotFound(d->source);
      spec.disks.push_back({(*row_d)->local.value("file", ""), "qcow2", d->device_name});
      if (d->boot) {
        boot_content = (*row_d)->content;
        auto blob = catalog_->FindBlob(boot_content);
        if (blob.ok() && blob->has_value()) boot_format = (*blob)->disk.format;
      }
    }
  }
  if (spec.disks.empty()) return Status::Invalid("The instance has no boot disk.");
  if (boot_content.empty()) {
    return Status::Invalid(
        "The boot disk has no kernel: it is blank. Boot from a disk made from an image.");
  }
  mkdir((options_.home + "/boot").c_str(), 0700);
  mkdir((options_.home + "/run").c_str(), 0700);
  auto boot = ExtractBootFiles(store_.BlobPath(boot_content), boot_format,
                               options_.home + "/boot/" + boot_content.substr(0, 32));
  if (!boot.ok()) return boot.status();
  spec.boot = *boot;
  if (!options_.metadata_program.empty()) {
    spec.metadata_command = ShellQuote(options_.metadata_program) + " __metadata --home " +
                            ShellQuote(options_.home) + " --project " + project + " --zone " +
                            zone + " --instance " + std::to_string(in->id);
  }
  auto wanted = ParsePorts(in->metadata.Get(kPortsKey).value_or(""));
  if (!wanted.ok()) return wanted.status();
  // Keep the host ports of the last run when they are still free.
  std::map<int, int> before;
  for (const auto& p : in->forwarded_ports) before[p.guest_port] = p.host_port;
  if (row->local.contains("ports") && row->local["ports"].is_object()) {
    for (const auto& [g, h] : row->local["ports"].items()) before[std::stoi(g)] = h.get<int>();
  }
  Result<int> pid = Status::Internal("unset");
  for (int attempt = 0; attempt < 3; ++attempt) {
    spec.ports = *wanted;
    for (auto& p : spec.ports) {
      if (p.host_port) {
        if (!PortFree(p.host_port)) {
          return Status::ResourceInUse(fmt::format(
              "Host port {} is already in use on 127.0.0.1; choose another (--ports HOST:GUEST) "
              "or let imago pick one (--ports GUEST).",
              p.host_port));
        }
        continue;
      }
      auto it = before.find(p.guest_port);
      if (attempt == 0 && it != before.end() && PortFree(it->second)) {
        p.host_port = it->second;
        continue;
      }
      auto free = PickFreePort();
      if (!free.ok()) return free.status();
      p.host_port = *free;
    }
    pid = LaunchVm(spec);
    if (pid.ok() || pid.status().code() != compute::Code::kResourceInUse) break;
  }
  if (!pid.ok()) return pid.status();
  in->forwarded_ports = spec.ports;
  row->local["pid"] = *pid;
  Json ports = Json::object();
  for (const auto& p : spec.ports) ports[std::to_string(p.guest_port)] = p.host_port;
  row->local["ports"] = ports;
  in->status = "RUNNING";
  in->last_start_timestamp = Now3339();
  in->cpu_platform = KvmUsable() ? "Host (KVM)" : "QEMU TCG (software emulation)";
  return Status::OK();
}

Result<Operation> LocalCloud::InsertInstance(const std::string& project, const std::string& zone,
                                             const Instance& req, const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(CheckZone(project, zone));
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("instance.name", req.name));
  IMAGO_RETURN_IF_ERROR(compute::ValidateLabels("instance.labels", req.labels));
  IMAGO_RETURN_IF_ERROR(ValidateMetadata(req.metadata));
  auto ports = ParsePorts(req.metadata.Get(kPortsKey).value_or(""));
  if (!ports.ok()) return ports.status();
  for (const auto& p : *ports) {
    if (p.host_port && !PortFree(p.host_port)) {
      return Status::ResourceInUse(fmt::format(
          "Host port {} is already in use on 127.0.0.1; choose another (--ports HOST:GUEST) or "
          "let imago pick one (--ports GUEST).",
          p.host_port));
    }
  }
  std::string type_name =
      req.machine_type.empty() ? kDefaultMachineType : compute::LastSegment(req.machine_type);
  auto type = ResolveMachineType("instance.machineType", type_name);
  if (!type.ok()) return type.status();
  if (req.disks.empty()) {
    return Status::Required(
        "Required field 'instance.disks' not specified: an instance needs a "
        "boot disk.");
  }
  int boots = 0;
  for (const auto& d : req.disks) boots += d.boot;
  if (boots > 1) return Status::Invalid("Only one disk of an instance may be the boot disk.");

  Instance in = req;
  in.metadata.fingerprint = compute::MetadataFingerprint(in.metadata.items);
  in.label_fingerprint = compute::LabelFingerprint(in.labels);
  in.zone = ZoneLink(project, zone);
  in.machine_type = compute::Link(options_.self_link_base,
                                  compute::ZonalPath(project, zone, "machineTypes", type_name));
  in.self_link = compute::Link(options_.self_link_base,
                               compute::ZonalPath(project, zone, "instances", in.name));
  in.network_interfaces = {
      {"nic0",
       compute::Link(options_.self_link_base, "projects/" + project + "/global/networks/default"),
       kGuestIp,
       {{"ONE_TO_ONE_NAT", "External NAT", "127.0.0.1"}}}};
  in.forwarded_ports.clear();
  in.status = "PROVISIONING";
  ResourceRow row;
  std::vector<ResourceRow> new_disks;
  Json work;
  auto w = BeginWork(project, zone, "insert", opts, [&](Operation* op, Json* wk) -> Status {
    auto existing = catalog_->FindResource(kInstance, project, zone, in.name);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) {
      return Status::ResourceExists(compute::ZonalPath(project, zone, "instances", in.name));
    }
    row.kind = kInstance;
    row.project = project;
    row.zone = zone;
    row.name = in.name;
    row.id = NewId();
    in.id = row.id;
    row.creation_us = NowUs();
    in.creation_timestamp = compute::FormatRfc3339(row.creation_us);
    Json created = Json::array(), attached = Json::array();
    std::set<std::string> devices;
    for (size_t i = 0; i < in.disks.size(); ++i) {
      AttachedDisk& d = in.disks[i];
      std::string field = fmt::format("instance.disks[{}]", i);
      if (boots == 0 && i == 0) d.boot = true;
      d.index = static_cast<int>(i);
      d.type = "PERSISTENT";
      d.mode = "READ_WRITE";
      d.interface_ = "NVME";
      ResourceRow disk;
      if (d.initialize_params && d.source.empty()) {
        const auto& p = *d.initialize_params;
        Disk want;
        want.name = !p.disk_name.empty() ? p.disk_name
                    : d.boot             ? in.name
                                         : fmt::format("{}-{}", in.name, i);
        want.source_image = p.source_image;
        want.source_snapshot = p.source_snapshot;
        want.size_gb = p.disk_size_gb;
        want.type = p.disk_type;
        want.labels = p.labels;
        if (d.boot && want.source_image.empty() && want.source_snapshot.empty()) {
          return Status::Invalid(field +
                                 ".initializeParams: a boot disk needs a sourceImage or a "
                                 "sourceSnapshot.");
        }
        auto r = NewDiskRow(project, zone, want, field + ".initializeParams", op);
        if (!r.ok()) return r.status();
        disk = std::move(r.value());
        for (const auto& nd : new_disks) {
          if (nd.name == disk.name) {
            return Status::ResourceExists(compute::ZonalPath(project, zone, "disks", disk.name));
          }
        }
        disk.resource["users"] = {in.self_link};
        IMAGO_RETURN_IF_ERROR(catalog_->InsertResource(disk));
        created.push_back(std::to_string(disk.id));
        new_disks.push_back(disk);
      } else if (!d.source.empty()) {
        auto ref = compute::ParseResourceRef(field + ".source", d.source, "disks", true);
        if (!ref.ok()) return ref.status();
        if (!ref->zone.empty() && ref->zone != zone) {
          return Status::InvalidField(field + ".source", d.source,
                                      "The disk must be in the instance's zone (" + zone + ").");
        }
        auto r = LoadRow(kDisk, "disks", project, zone, ref->name);
        if (!r.ok()) return r.status();
        disk = std::move(r.value());
        if (disk.status != "READY")
          return Status::NotReady("The disk " + disk.name + " is not READY.");
        auto users = disk.resource.value("users", Json::array());
        if (!users.empty()) {
          return Status::ResourceInUse(
              fmt::format("The disk resource '{}' is already being used by '{}'",
                          compute::ZonalPath(project, zone, "disks", disk.name), PathOf(users[0])));
        }
        disk.resource["users"] = {in.self_link};
        disk.resource["lastAttachTimestamp"] = Now3339();
        IMAGO_RETURN_IF_ERROR(catalog_->UpdateResource(disk));
        attached.push_back(std::to_string(disk.id));
      } else {
        return Status::Invalid(field + ": give a source disk or initializeParams.");
      }
      d.source = disk.resource.value("selfLink", "");
      d.disk_size_gb = std::stoll(disk.resource.value("sizeGb", "1"));
      if (d.device_name.empty()) d.device_name = disk.name;
      if (!devices.insert(d.device_name).second) {
        return Status::InvalidField(field + ".deviceName", d.device_name,
                                    "Device names must differ within an instance.");
      }
      d.initialize_params.reset();
      if (d.boot) row.source_image_id = disk.source_image_id;
    }
    row.status = in.status;
    row.resource = ToJsonOf(in);
    row.local = {{"pid", 0}};
    IMAGO_RETURN_IF_ERROR(catalog_->InsertResource(row));
    *wk = {{"kind", "create"},
           {"instance", std::to_string(row.id)},
           {"disks", created},
           {"attached", attached}};
    work = *wk;
    op->target_link = in.self_link;
    op->target_id = row.id;
    return Status::OK();
  });
  if (!w.ok()) return w.status();
  if (w->replayed) return w->op;
  for (const auto& d : new_disks) {
    Status st = CreateDiskFile(d);
    if (!st.ok()) return FailWork(*w, st, work);
  }
  {
    std::lock_guard lock(mu_);
    Status st = catalog_->db().WriteTxn([&]() -> Status {
      for (auto& d : new_disks) {
        d.status = "READY";
        d.resource["status"] = "READY";
        IMAGO_RETURN_IF_ERROR(catalog_->UpdateResource(d));
      }
      in.status = "STAGING";
      row.status = in.status;
      row.resource = ToJsonOf(in);
      return catalog_->UpdateResource(row);
    });
    if (!st.ok()) return FailWork(*w, st, work);
  }
  MaybePause("instance-disks");
  Status st = BootInstance(project, &in, &row);
  if (!st.ok()) return FailWork(*w, st, work);
  MaybePause("instance-launched");
  return EndWork(*w, [&]() -> Status {
    row.status = in.status;
    row.resource = ToJsonOf(in);
    return catalog_->UpdateResource(row);
  });
}

Result<Instance> LocalCloud::GetInstance(const std::string& project, const std::string& zone,
                                         const std::string& instance) {
  IMAGO_RETURN_IF_ERROR(CheckZone(project, zone));
  Result<ResourceRow> row = Status::Internal("unset");
  {
    std::lock_guard lock(mu_);
    row = LoadRow(kInstance, "instances", project, zone, instance);
    if (!row.ok()) return row.status();
  }
  IMAGO_RETURN_IF_ERROR(RefreshInstance(&row.value()));
  return compute::InstanceFromJson(row->resource);
}

Result<ListPage<Instance>> LocalCloud::ListInstances(const std::string& project,
                                                     const std::string& zone,
                                                     const ListOptions& opts) {
  IMAGO_RETURN_IF_ERROR(CheckZone(project, zone));
  auto plan = PlanList("instances", project, opts, compute::InstanceFilterSchema(), zone);
  if (!plan.ok()) return plan.status();
  plan->scan.name = plan->filter.RequiredValue("name");
  // Liveness first, so that the filter sees each instance's real status.
  std::vector<ResourceRow> rows;
  {
    std::lock_guard lock(mu_);
    Status st = catalog_->db().ReadTxn([&]() -> Status {
      return catalog_->ScanResources(kInstance, project, zone, {}, [&](ResourceRow&& r) {
        if (r.status == "RUNNING") rows.push_back(std::move(r));
        return true;
      });
    });
    if (!st.ok()) return st;
  }
  for (auto& r : rows) IMAGO_RETURN_IF_ERROR(RefreshInstance(&r));
  std::lock_guard lock(mu_);
  return FillPage<Instance>(*catalog_, kInstance, project, zone, *plan,
                            [](const Json& j) { return compute::InstanceFromJson(j); });
}

// start, stop, reset and delete share one shape: journal, act on QEMU, record.
Result<Operation> LocalCloud::InstanceStateChange(const std::string& project,
                                                  const std::string& zone,
                                                  const std::string& instance, const char* type,
                                                  const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(CheckZone(project, zone));
  const std::string t = type;
  ResourceRow row;
  Json work;
  bool nothing_to_do = false;
  auto w = BeginWork(project, zone, type, opts, [&](Operation* op, Json* wk) -> Status {
    auto r = LoadRow(kInstance, "instances", project, zone, instance);
    if (!r.ok()) return r.status();
    row = std::move(r.value());
    if (row.status == "PROVISIONING" || row.status == "STAGING" || row.status == "STOPPING") {
      return Status::NotReady(
          fmt::format("The instance '{}' is {}; try again when it is RUNNING or TERMINATED.",
                      compute::ZonalPath(project, zone, "instances", row.name), row.status));
    }
    bool running = row.status == "RUNNING" && VmAlive(row.local.value("pid", 0), RunDir(row.id));
    if (t == "reset" && !running) {
      return Status::NotReady(
          fmt::format("The instance '{}' is not RUNNING; reset needs a running instance.",
                      compute::ZonalPath(project, zone, "instances", row.name)));
    }
    nothing_to_do =
        (t == "start" && running) || (t == "stop" && !running && row.status == "TERMINATED");
    if (!nothing_to_do && t != "reset") {
      row.status = t == "start" ? "STAGING" : "STOPPING";
      row.resource["status"] = row.status;
      IMAGO_RETURN_IF_ERROR(catalog_->UpdateResource(row));
    }
    *wk = {{"kind", "vm"}, {"instance", std::to_string(row.id)}};
    work = *wk;
    op->target_link = row.resource.value("selfLink", "");
    op->target_id = row.id;
    return Status::OK();
  });
  if (!w.ok()) return w.status();
  if (w->replayed) return w->op;
  if (nothing_to_do) return EndWork(*w, [] { return Status::OK(); });
  auto parsed = compute::InstanceFromJson(row.resource);
  if (!parsed.ok()) return FailWork(*w, parsed.status(), work);
  Instance in = std::move(parsed.value());
  int pid = row.local.value("pid", 0);
  std::string run = RunDir(row.id);
  if (t == "reset") {
    auto r = QmpCommand(run + "/qmp", "system_reset");
    if (!r.ok()) return FailWork(*w, r.status(), work);
    return EndWork(*w, [] { return Status::OK(); });
  }
  if (t == "start") {
    Status st = BootInstance(project, &in, &row);
    if (!st.ok()) return FailWork(*w, st, work);
    return EndWork(*w, [&]() -> Status {
      row.status = "RUNNING";
      row.resource = ToJsonOf(in);
      return catalog_->UpdateResource(row);
    });
  }
  // stop and delete: the guest gets the ACPI power button, then is ended.
  std::chrono::milliseconds grace = options_.stop_grace;
  if (t == "delete") grace = std::min(grace, std::chrono::milliseconds(10000));
  Status stopped = StopVm(pid, run, grace);
  if (!stopped.ok()) return FailWork(*w, stopped, work);
  if (t == "stop") {
    return EndWork(*w, [&]() -> Status {
      in.status = "TERMINATED";
      in.last_stop_timestamp = Now3339();
      in.forwarded_ports.clear();
      row.status = in.status;
      row.resource = ToJsonOf(in);
      row.local["pid"] = 0;
      return catalog_->UpdateResource(row);
    });
  }
  std::vector<std::string> files;
  auto op = EndWork(*w, [&]() -> Status {
    files.clear();
    for (const auto& d : in.disks) {
      auto disk = catalog_->FindResource(kDisk, project, zone, compute::LastSegment(d.source));
      if (!disk.ok()) return disk.status();
      if (!disk->has_value()) continue;
      ResourceRow& dr = **disk;
      if (d.auto_delete) {
        files.push_back(dr.local.value("file", ""));
        IMAGO_RETURN_IF_ERROR(catalog_->DeleteResource(dr.id));
        if (!dr.content.empty()) IMAGO_RETURN_IF_ERROR(ReleaseContent(dr.content));
      } else {
        dr.resource.erase("users");
        dr.resource["lastDetachTimestamp"] = Now3339();
        IMAGO_RETURN_IF_ERROR(catalog_->UpdateResource(dr));
      }
    }
    return catalog_->DeleteResource(row.id);
  });
  if (!op.ok()) return op;
  for (const auto& f : files) {
    if (!f.empty()) unlink(f.c_str());
  }
  std::error_code ec;
  std::filesystem::remove_all(run, ec);
  IMAGO_RETURN_IF_ERROR(CollectTrash());
  return op;
}

Result<Operation> LocalCloud::DeleteInstance(const std::string& project, const std::string& zone,
                                             const std::string& instance,
                                             const MutationOptions& opts) {
  return InstanceStateChange(project, zone, instance, "delete", opts);
}
Result<Operation> LocalCloud::StartInstance(const std::string& project, const std::string& zone,
                                            const std::string& instance,
                                            const MutationOptions& opts) {
  return InstanceStateChange(project, zone, instance, "start", opts);
}
Result<Operation> LocalCloud::StopInstance(const std::string& project, const std::string& zone,
                                           const std::string& instance,
                                           const MutationOptions& opts) {
  return InstanceStateChange(project, zone, instance, "stop", opts);
}
Result<Operation> LocalCloud::ResetInstance(const std::string& project, const std::string& zone,
                                            const std::string& instance,
                                            const MutationOptions& opts) {
  return InstanceStateChange(project, zone, instance, "reset", opts);
}

Result<Operation> LocalCloud::AttachDisk(const std::string& project, const std::string& zone,
                                         const std::string& instance, const AttachedDisk& req,
                                         const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(CheckZone(project, zone));
  if (req.boot)
    return Status::Invalid("attachDisk attaches data disks; boot disks come with insert.");
  return Mutate(
      project, "attachDisk", opts,
      [&](Operation* op) -> Status {
        auto r = LoadRow(kInstance, "instances", project, zone, instance);
        if (!r.ok()) return r.status();
        IMAGO_RETURN_IF_ERROR(MarkDeadLocked(&r.value()));
        if (r->status != "TERMINATED") {
          return Status::NotReady(fmt::format(
              "The instance '{}' is {}: the local cloud attaches disks to stopped instances "
              "only. Stop it first (imago instances stop {}).",
              compute::ZonalPath(project, zone, "instances", r->name), r->status, r->name));
        }
        auto ref = compute::ParseResourceRef("attachedDisk.source", req.source, "disks", true);
        if (!ref.ok()) return ref.status();
        auto d = LoadRow(kDisk, "disks", project, zone, ref->name);
        if (!d.ok()) return d.status();
        auto users = d->resource.value("users", Json::array());
        if (!users.empty()) {
          return Status::ResourceInUse(
              fmt::format("The disk resource '{}' is already being used by '{}'",
                          compute::ZonalPath(project, zone, "disks", d->name), PathOf(users[0])));
        }
        auto in = compute::InstanceFromJson(r->resource);
        if (!in.ok()) return in.status();
        AttachedDisk a;
        a.source = d->resource.value("selfLink", "");
        a.device_name = req.device_name.empty() ? d->name : req.device_name;
        a.auto_delete = req.auto_delete;
        a.interface_ = "NVME";
        a.disk_size_gb = std::stoll(d->resource.value("sizeGb", "1"));
        int index = 0;
        for (const auto& x : in->disks) {
          if (x.device_name == a.device_name) {
            return Status::InvalidField("attachedDisk.deviceName", a.device_name,
                                        "The instance already has a disk with this device name.");
          }
          index = std::max(index, x.index + 1);
        }
        a.index = index;
        in->disks.push_back(a);
        d->resource["users"] = {in->self_link};
        d->resource["lastAttachTimestamp"] = Now3339();
        IMAGO_RETURN_IF_ERROR(catalog_->UpdateResource(*d));
        r->resource = ToJsonOf(*in);
        IMAGO_RETURN_IF_ERROR(catalog_->UpdateResource(*r));
        op->target_link = in->self_link;
        op->target_id = in->id;
        return Status::OK();
      },
      zone);
}

Result<Operation> LocalCloud::DetachDisk(const std::string& project, const std::string& zone,
                                         const std::string& instance,
                                         const std::string& device_name,
                                         const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(CheckZone(project, zone));
  return Mutate(
      project, "detachDisk", opts,
      [&](Operation* op) -> Status {
        auto r = LoadRow(kInstance, "instances", project, zone, instance);
        if (!r.ok()) return r.status();
        IMAGO_RETURN_IF_ERROR(MarkDeadLocked(&r.value()));
        if (r->status != "TERMINATED") {
          return Status::NotReady(fmt::format(
              "The instance '{}' is {}: the local cloud detaches disks from stopped instances "
              "only. Stop it first (imago instances stop {}).",
              compute::ZonalPath(project, zone, "instances", r->name), r->status, r->name));
        }
        auto in = compute::InstanceFromJson(r->resource);
        if (!in.ok()) return in.status();
        auto it = std::find_if(in->disks.begin(), in->disks.end(),
                               [&](const AttachedDisk& d) { return d.device_name == device_name; });
        if (it == in->disks.end()) {
          return Status::InvalidField("deviceName", device_name,
                                      "No disk with this device name is attached to the instance.");
        }
        if (it->boot) {
          return Status::InvalidField("deviceName", device_name,
                                      "The boot disk cannot be detached; delete the instance "
                                      "with --keep-disks=boot to keep it.");
        }
        auto d = catalog_->FindResource(kDisk, project, zone, compute::LastSegment(it->source));
        if (!d.ok()) return d.status();
        if (d->has_value()) {
          (*d)->resource.erase("users");
          (*d)->resource["lastDetachTimestamp"] = Now3339();
          IMAGO_RETURN_IF_ERROR(catalog_->UpdateResource(**d));
        }
        in->disks.erase(it);
        r->resource = ToJsonOf(*in);
        IMAGO_RETURN_IF_ERROR(catalog_->UpdateResource(*r));
        op->target_link = in->self_link;
        op->target_id = in->id;
        return Status::OK();
      },
      zone);
}

Result<Operation> LocalCloud::SetInstanceMetadata(const std::string& project,
                                                  const std::string& zone,
                                                  const std::string& instance,
                                                  const Metadata& metadata,
                                                  const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(CheckZone(project, zone));
  IMAGO_RETURN_IF_ERROR(ValidateMetadata(metadata));
  auto ports = ParsePorts(metadata.Get(kPortsKey).value_or(""));
  if (!ports.ok()) return ports.status();
  return Mutate(
      project, "setMetadata", opts,
      [&](Operation* op) -> Status {
        auto r = LoadRow(kInstance, "instances", project, zone, instance);
        if (!r.ok()) return r.status();
        auto in = compute::InstanceFromJson(r->resource);
        if (!in.ok()) return in.status();
        if (metadata.fingerprint != in->metadata.fingerprint) {
          Status st = Status::ConditionNotMet(
              "Supplied fingerprint does not match current metadata fingerprint.");
          st.WithLocation("If-Match");
          return st;
        }
        in->metadata.items = metadata.items;
        in->metadata.fingerprint = compute::MetadataFingerprint(metadata.items);
        r->resource = ToJsonOf(*in);
        IMAGO_RETURN_IF_ERROR(catalog_->UpdateResource(*r));
        op->target_link = in->self_link;
        op->target_id = in->id;
        return Status::OK();
      },
      zone);
}

Result<compute::SerialPortOutput> LocalCloud::GetSerialPortOutput(const std::string& project,
                                                                  const std::string& zone,
                                                                  const std::string& instance,
                                                                  int port, int64_t start) {
  IMAGO_RETURN_IF_ERROR(CheckZone(project, zone));
  if (port != 1) {
    return Status::InvalidField("port", std::to_string(port),
                                "The local cloud records serial port 1 only.");
  }
  uint64_t id = 0;
  {
    std::lock_guard lock(mu_);
    auto r = LoadRow(kInstance, "instances", project, zone, instance);
    if (!r.ok()) return r.status();
    id = r->id;
  }
  constexpr int64_t kMax = 1 << 20;  // GCE returns at most 1 MiB per call.
  int64_t size = 0;
  compute::SerialPortOutput out;
  std::string path = RunDir(id) + "/serial.log";
  ReadFileFrom(path, 0, 0, &size);
  if (start < 0) start = std::max<int64_t>(0, size + start);
  if (start < size - kMax) start = size - kMax;  // Older output has rolled off, as in GCE.
  out.contents = ReadFileFrom(path, start, kMax, &size);
  out.start = start;
  out.next = start + static_cast<int64_t>(out.contents.size());
  return out;
}

void LocalCloud::ServeMetadata(const std::string& project, const std::string& zone,
                               const std::string& instance) {
  ServeMetadataConnection(
      0, 1, [&]() { return GetInstance(project, zone, instance); }, project);
}

// ---------------------------------------------------------------- zone operations

Result<Operation> LocalCloud::GetZonalOp(const std::string& project, const std::string& zone,
                                         const std::string& operation) {
  IMAGO_RETURN_IF_ERROR(CheckZone(project, zone));
  std::lock_guard lock(mu_);
  auto row = catalog_->FindOperation(project, operation);
  if (!row.ok()) return row.status();
  if (!row->has_value() || compute::LastSegment((*row)->op.zone) != zone) {
    return Status::ResourceNotFound(compute::ZonalPath(project, zone, "operations", operation));
  }
  return std::move((*row)->op);
}

Result<Operation> LocalCloud::GetZoneOperation(const std::string& project, const std::string& zone,
                                               const std::string& operation) {
  return GetZonalOp(project, zone, operation);
}

Result<Operation> LocalCloud::WaitZoneOperation(const std::string& project, const std::string& zone,
                                                const std::string& operation) {
  return WaitUntilDone([&] { return GetZonalOp(project, zone, operation); });
}

Result<ListPage<Operation>> LocalCloud::ListZoneOperations(const std::string& project,
                                                           const std::string& zone,
                                                           const ListOptions& opts) {
  IMAGO_RETURN_IF_ERROR(CheckZone(project, zone));
  return ListOperationsIn(project, zone, opts);
}

Status LocalCloud::DeleteZoneOperation(const std::string& project, const std::string& zone,
                                       const std::string& operation) {
  auto op = GetZonalOp(project, zone, operation);
  if (!op.ok()) return op.status();
  if (!op->done()) {
    return Status::NotReady("The operation is still running; delete it when it is DONE.");
  }
  std::lock_guard lock(mu_);
  return catalog_->db().WriteTxn([&] { return catalog_->DeleteOperation(project, op->id); });
}

}  // namespace imago::localcloud
