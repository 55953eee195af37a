#include "localcloud/local_disks.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/file_lock.h"
#include "base/subprocess.h"
#include "compute/aggregate.h"
#include "compute/filter.h"
#include "compute/names.h"
#include "compute/vm_codec.h"
#include "localcloud/content_gc.h"
#include "localcloud/journal.h"
#include "localcloud/list_util.h"
#include "localcloud/local_snapshots.h"
#include "localcloud/sources.h"
#include "localcloud/unsupported.h"

namespace imago::localcloud {

using compute::Disk;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Status;

namespace {

// "projects/..." of a resource URL (the form GCE's messages use).
std::string PathOf(const std::string& url) {
  size_t p = url.find("projects/");
  return p == std::string::npos ? url : url.substr(p);
}

// GCE's zonal disk types. The local cloud stores every one the same way
// (a qcow2 file); the name is kept so that a plan made here holds on GCE.
constexpr std::string_view kDiskTypes[] = {
    "pd-standard",       "pd-balanced",        "pd-ssd",
    "pd-extreme",        "hyperdisk-balanced", "hyperdisk-balanced-high-availability",
    "hyperdisk-extreme", "hyperdisk-ml",       "hyperdisk-throughput"};

// `type` as GCE takes it: "pd-ssd", or a partial or full URL of a disk type
// of this project and zone. 400 naming `field` otherwise.
Status CheckDiskType(const std::string& field, const std::string& type, const std::string& project,
                     const std::string& zone) {
  std::string_view name = type;
  size_t at = type.rfind("diskTypes/");
  if (at != std::string::npos) {
    name = std::string_view(type).substr(at + 10);
    std::string prefix = type.substr(0, at);
    std::string want = "projects/" + project + "/zones/" + zone + "/";
    bool ours = prefix == "zones/" + zone + "/" || prefix.ends_with("/" + want) || prefix == want;
    if (!ours) {
      return Status::InvalidField(field, type,
                                  "A disk's type is a disk type of its own project and zone (" +
                                      want + "diskTypes/pd-balanced).");
    }
  }
  for (std::string_view known : kDiskTypes) {
    if (name == known) return Status::OK();
  }
  return Status::InvalidField(
      field, type,
      "The referenced diskType resource cannot be found (known: pd-standard, "
      "pd-balanced, pd-ssd, pd-extreme, hyperdisk-*).");
}

}  // namespace

Result<ResourceRow> LocalDisks::NewRow(const std::string& project, const std::string& zone,
                                       const Disk& in, const std::string& field, Operation* op) {
  IMAGO_RETURN_IF_ERROR(compute::ValidateName(field + ".name", in.name));
  IMAGO_RETURN_IF_ERROR(compute::ValidateLabels(field + ".labels", in.labels));
  if (!in.source_image.empty() && !in.source_snapshot.empty()) {
    return Status::Invalid("A disk has at most one source: sourceImage or sourceSnapshot.");
  }
  if (!in.type.empty())
    IMAGO_RETURN_IF_ERROR(CheckDiskType(field + ".type", in.type, project, zone));
  IMAGO_RETURN_IF_ERROR(RefuseUnsupported(
      in.extra, field,
      {{"diskEncryptionKey", kNoEncryption},
       {"sourceImageEncryptionKey", kNoEncryption},
       {"sourceSnapshotEncryptionKey", kNoEncryption},
       {"sourceDisk", "to copy a disk, snapshot it and make the disk from the snapshot"},
       {"sourceInstantSnapshot", "make the disk from a snapshot (sourceSnapshot)"},
       {"sourceStorageObject", "import the file as an image and make the disk from it"},
       {"replicaZones", "disks live in one zone (no regional disks)"},
       {"asyncPrimaryDisk", "there is no asynchronous replication"},
       {"storagePool", "there are no storage pools"}}));
  if (in.size_gb < 0 || in.size_gb > 65536) {
    return Status::InvalidField(field + ".sizeGb", std::to_string(in.size_gb),
                                "A disk is 1 to 65536 GB.");
  }
  auto existing = s_.catalog().FindResource(kDiskKind, project, zone, in.name);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    return Status::ResourceExists(compute::ZonalPath(project, zone, "disks", in.name));
  }
  Disk d;
  d.name = in.name;
  d.description = in.description;
  d.labels = in.labels;
  d.label_fingerprint = compute::LabelFingerprint(d.labels);
  d.zone = s_.ZoneLink(project, zone);
  d.type = s_.Link(compute::ZonalPath(
      project, zone, "diskTypes", in.type.empty() ? "pd-standard" : compute::LastSegment(in.type)));
  d.self_link = s_.Link(compute::ZonalPath(project, zone, "disks", d.name));
  d.extra = in.extra.is_object() ? in.extra : Json::object();
  ResourceRow row;
  row.kind = kDiskKind;
  row.project = project;
  row.zone = zone;
  row.name = d.name;
  row.id = s_.NewId();
  d.id = row.id;
  int64_t min_gb = 1;
  if (!in.source_image.empty()) {
    auto src = ResolveSourceImage(s_, project, field + ".sourceImage", in.source_image, op);
    if (!src.ok()) return src.status();
    d.source_image = src->image.self_link;
    d.source_image_id = std::to_string(src->image.id);
    row.content = src->content;
    row.source_image_id = src->image.id;
    min_gb = std::max<int64_t>(1, src->image.disk_size_gb);
  } else if (!in.source_snapshot.empty()) {
    auto snap = ResolveSnapshot(s_, project, field + ".sourceSnapshot", in.source_snapshot);
    if (!snap.ok()) return snap.status();
    auto sn = compute::SnapshotFromJson(snap->resource);
    if (!sn.ok()) return sn.status();
    d.source_snapshot = sn->self_link;
    d.source_snapshot_id = std::to_string(snap->id);
    row.content = snap->content;
    row.source_image_id = snap->source_image_id;
    min_gb = std::max<int64_t>(1, sn->disk_size_gb);
  }
  d.size_gb = in.size_gb ? in.size_gb : (row.content.empty() ? 10 : min_gb);
  if (d.size_gb < min_gb) {
    return Status::InvalidField(field + ".sizeGb", std::to_string(in.size_gb),
                                fmt::format("Requested disk size cannot be smaller than the "
                                            "source's size ({} GB).",
                                            min_gb));
  }
  row.creation_us = s_.NowUs();
  d.creation_timestamp = compute::FormatRfc3339(row.creation_us);
  d.status = "CREATING";
  row.resource = compute::ToJson(d);
  return row;
}

Status LocalDisks::CreateFile(const ResourceRow& disk) {
  std::string dir = s_.home() + "/disks";
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Unavailable("cannot create " + dir + ": " + strerror(errno));
  }
  auto d = compute::DiskFromJson(disk.resource);
  if (!d.ok()) return d.status();
  std::string file = s_.DiskFile(disk.id);
  std::vector<std::string> argv = {"qemu-img", "create", "-q", "-f", "qcow2"};
  if (!disk.content.empty()) {
    std::string format = "qcow2";
    {
      std::lock_guard lock(s_.mu());
      auto blob = s_.catalog().FindBlob(disk.content);
      if (!blob.ok()) return blob.status();
      if (blob->has_value()) format = (*blob)->disk.format;
    }
    argv.insert(argv.end(), {"-b", s_.store().BlobPath(disk.content), "-F", format});
  }
  argv.insert(argv.end(), {file, std::to_string(d->size_gb) + "G"});
  auto r = base::RunProcess(argv);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    unlink(file.c_str());
    return Status::Unavailable("cannot create the disk file: " + base::FirstLine(r->err));
  }
  // A guest's data: its owner's alone, whatever the umask.
  if (chmod(file.c_str(), 0600) != 0) {
    return Status::Unavailable("cannot set the mode of " + file + ": " + strerror(errno));
  }
  return Status::OK();
}

Result<Operation> LocalDisks::Insert(const std::string& project, const std::string& zone,
                                     const Disk& disk, const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  ResourceRow row;
  auto w = BeginWork(s_, project, zone, "insert", opts, [&](Operation* op, WorkRecord* work) {
    auto r = NewRow(project, zone, disk, "disk", op);
    if (!r.ok()) return r.status();
    row = std::move(r.value());
    IMAGO_RETURN_IF_ERROR(s_.catalog().InsertResource(row));
    op->target_link = row.resource["selfLink"];
    op->target_id = row.id;
    work->kind = WorkRecord::Kind::kCreate;
    work->disks = {row.id};
    return Status::OK();
  });
  if (!w.ok()) return w.status();
  if (w->replayed) return w->op;
  Status st = CreateFile(row);
  if (!st.ok()) return FailWork(s_, *w, st);
  return EndWork(s_, *w, [&]() -> Status {
    row.resource["status"] = "READY";
    return s_.catalog().UpdateResource(row);
  });
}

Result<Disk> LocalDisks::Get(const std::string& project, const std::string& zone,
                             const std::string& disk) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  std::lock_guard lock(s_.mu());
  auto row = s_.LoadRow(kDiskKind, "disks", project, zone, disk);
  if (!row.ok()) return row.status();
  return compute::DiskFromJson(row->resource);
}

Result<ListPage<Disk>> LocalDisks::List(const std::string& project, const std::string& zone,
                                        const ListOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  auto plan = internal::PlanList("disks", project, opts, compute::DiskFilterSchema(), zone);
  if (!plan.ok()) return plan.status();
  plan->scan.name = plan->filter.RequiredValue("name");
  std::lock_guard lock(s_.mu());
  return internal::FillPage<Disk>(s_.catalog(), kDiskKind, project, zone, *plan,
                                  [](const Json& j) { return compute::DiskFromJson(j); });
}

Result<compute::AggregatedPage<Disk>> LocalDisks::AggregatedList(const std::string& project,
                                                                 const ListOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  std::vector<std::string> scopes;
  for (const auto& z : s_.options().zones) scopes.push_back("zones/" + z);
  return compute::AggregateList<Disk>(scopes, opts,
                                      [&](const std::string& scope, const ListOptions& o) {
                                        return List(project, scope.substr(6), o);
                                      });
}

Result<Operation> LocalDisks::Delete(const std::string& project, const std::string& zone,
                                     const std::string& disk, const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  uint64_t id = 0;
  auto op = s_.Mutate(
      project, "delete", opts,
      [&](Operation* op) -> Status {
        auto row = s_.LoadRow(kDiskKind, "disks", project, zone, disk);
        if (!row.ok()) return row.status();
        auto d = compute::DiskFromJson(row->resource);
        if (!d.ok()) return d.status();
        if (!d->users.empty()) {
          return Status::ResourceInUse(fmt::format(
              "The disk resource '{}' is already being used by '{}'",
              compute::ZonalPath(project, zone, "disks", row->name), PathOf(d->users[0])));
        }
        if (d->status == "CREATING") {
          return Status::NotReady("The disk is being created; delete it when it is READY.");
        }
        id = row->id;
        IMAGO_RETURN_IF_ERROR(s_.catalog().DeleteResource(row->id));
        // The image may be gone already: then the disk was what kept its content.
        if (!row->content.empty()) IMAGO_RETURN_IF_ERROR(ReleaseContent(s_, row->content));
        op->target_link = d->self_link;
        op->target_id = row->id;
        return Status::OK();
      },
      zone);
  if (!op.ok()) return op;
  unlink(s_.DiskFile(id).c_str());
  IMAGO_RETURN_IF_ERROR(CollectTrash(s_));
  return op;
}

Result<Operation> LocalDisks::CreateSnapshot(const std::string& project, const std::string& zone,
                                             const std::string& disk,
                                             const compute::Snapshot& snapshot,
                                             const MutationOptions& opts) {
  return snapshots_.CreateFromDisk(project, zone, disk, snapshot, opts);
}

}  // namespace imago::localcloud
