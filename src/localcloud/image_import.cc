// LocalImages::Import and FromDisk: the two ways content enters the store.
//
// Crash safety: an import first journals a RUNNING operation (a kImport
// WorkRecord) and a PENDING image in one transaction, then copies into a
// temporary file it holds locked, then publishes the file and commits the
// READY image. Recovery finds an import whose temporary file's lock is
// free and undoes it: the PENDING row, the file, and any published content
// no row refers to.
#include <unistd.h>

#include <fmt/format.h>

#include "base/file_lock.h"
#include "base/subprocess.h"
#include "compute/names.h"
#include "compute/resource_ref.h"
#include "compute/vm_codec.h"
#include "localcloud/content_gc.h"
#include "localcloud/disk_format.h"
#include "localcloud/import_source.h"
#include "localcloud/journal.h"
#include "localcloud/list_util.h"
#include "localcloud/local_images.h"

namespace imago::localcloud {

using compute::Image;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Status;

Result<Operation> LocalImages::FromRawDisk(const std::string& project, Image image,
                                           const MutationOptions& opts) {
  if (!opts.request_id.empty()) IMAGO_RETURN_IF_ERROR(compute::ValidateRequestId(opts.request_id));
  const std::string source = image.raw_disk->source;
  auto file = OpenImportSource(source, s_.options().import_policy, s_.home());
  if (!file.ok()) return file.status();
  if (!file->gzip) return Import(project, std::move(image), file->fd.get(), source, opts);
  // GCE's raw-disk archive: its disk.raw, unpacked into a temporary file
  // held locked (so that recovery removes it if this process dies).
  std::string tmp = s_.home() + "/tmp/unpack-" + std::to_string(s_.NewId()) + ".raw";
  auto unpacked = base::FileLock::Acquire(tmp);
  if (!unpacked.ok()) return unpacked.status();
  Status st = ExtractDiskRaw(file->fd.get(), source, unpacked->fd());
  if (!st.ok()) {
    unlink(tmp.c_str());
    return st;
  }
  auto op = Import(project, std::move(image), unpacked->fd(), source, opts);
  unlink(tmp.c_str());
  return op;
}

Result<Operation> LocalImages::Import(const std::string& project, Image image, int fd,
                                      const std::string& source, const MutationOptions& opts,
                                      const std::string& parent) {
  if (!opts.request_id.empty()) IMAGO_RETURN_IF_ERROR(compute::ValidateRequestId(opts.request_id));
  if (parent.empty()) {
    auto probe = s_.store().Probe(fd, source, "image.rawDisk.source");
    if (!probe.ok()) return probe.status();
    IMAGO_RETURN_IF_ERROR(CheckWholeSectors(*probe, "image.rawDisk.source", source));
  }
  // 1. Journal: a RUNNING operation and a PENDING image, with the temporary
  //    file locked first so that recovery can tell this writer is alive.
  Operation op = s_.NewOperation(project, "insert", opts.request_id);
  image.id = s_.NewId();
  auto blob = s_.store().Reserve(op.name);
  if (!blob.ok()) return blob.status();
  WorkRecord work;
  work.kind = WorkRecord::Kind::kImport;
  work.image_id = image.id;
  work.tmp = blob->tmp_path;
  auto drop_tmp = [&] { unlink(work.tmp.c_str()); };

  bool replayed = false;
  {
    std::lock_guard lock(s_.mu());
    Catalog& c = s_.catalog();
    Status st = c.db().WriteTxn([&]() -> Status {
      if (!opts.request_id.empty()) {
        auto prior = c.FindOperationByRequestId(project, opts.request_id);
        if (!prior.ok()) return prior.status();
        if (prior->has_value()) {
          op = (*prior)->op;
          replayed = true;
          return Status::OK();
        }
      }
      auto existing = c.FindImage(project, image.name);
      if (!existing.ok()) return existing.status();
      if (existing->has_value())
        return Status::ResourceExists(compute::ImagePath(project, image.name));
      ImageRow row;
      row.image = image;
      row.creation_us = s_.NowUs();
      row.image.creation_timestamp = compute::FormatRfc3339(row.creation_us);
      row.image.status = "PENDING";
      IMAGO_RETURN_IF_ERROR(c.InsertImage(project, row));
      image = row.image;
      op.target_link = image.self_link;
      op.target_id = image.id;
      return c.InsertOperation({op, project, s_.NowUs(), work.ToJson()});
    });
    if (!st.ok() || replayed) {
      drop_tmp();
      if (!st.ok()) return st;
      return op;
    }
  }

  // 2. Copy and hash, outside any lock: other callers go on meanwhile.
  auto finish_failed = [&](const Status& why) -> Result<Operation> {
    drop_tmp();
    std::lock_guard lock(s_.mu());
    IMAGO_RETURN_IF_ERROR(s_.catalog().db().WriteTxn([&]() -> Status {
      IMAGO_RETURN_IF_ERROR(s_.catalog().DeleteImage(project, image.id));
      internal::MarkFailed(
          &op, why, why.code() == compute::Code::kInvalid ? "INVALID_FIELD_VALUE" : "IMPORT_FAILED",
          s_.Now3339());
      return s_.catalog().UpdateOperation({op, project, 0, ""});
    }));
    return why;  // Synchronous callers get the reason directly.
  };
  Status copied = s_.store().Import(fd, source, "image.rawDisk.source", opts.progress,
                                    &blob.value(), !parent.empty());
  blob->info.parent = parent;
  if (!copied.ok()) return finish_failed(copied);

  // 3. Publish and commit under the store lock (no unlink can interleave).
  auto store_lock = base::FileLock::Acquire(StoreLockPath(s_));
  if (!store_lock.ok()) return finish_failed(store_lock.status());
  std::lock_guard lock(s_.mu());
  Catalog& c = s_.catalog();
  work.digest = blob->info.digest;
  Status st = c.db().WriteTxn([&] { return c.UpdateOperation({op, project, 0, work.ToJson()}); });
  if (st.ok()) st = s_.store().Publish(&blob.value());
  if (st.ok()) {
    st = c.db().WriteTxn([&]() -> Status {
      IMAGO_RETURN_IF_ERROR(c.InsertBlob(blob->info, s_.NowUs()));
      auto row = c.FindImageById(project, image.id);
      if (!row.ok()) return row.status();
      if (!row->has_value()) return Status::Internal("the pending image row vanished");
      ImageRow r = std::move(**row);
      r.image.status = "READY";
      r.image.archive_size_bytes = static_cast<int64_t>(blob->info.size);
      r.image.disk_size_gb = DiskSizeGb(blob->info.disk.virtual_size);
      r.content = blob->info.digest;
      IMAGO_RETURN_IF_ERROR(c.UpdateImage(project, r));
      op.status = "DONE";
      op.progress = 100;
      op.end_time = s_.Now3339();
      return c.UpdateOperation({op, project, 0, ""});
    });
  }
  // On failure the journal stays as it is: recovery undoes it once this
  // process is gone.
  if (!st.ok()) return st;
  return op;
}

Result<Operation> LocalImages::FromDisk(const std::string& project, Image image,
                                        const MutationOptions& opts) {
  auto ref = compute::ParseResourceRef("image.sourceDisk", image.source_disk, "disks", true);
  if (!ref.ok()) return ref.status();
  if (ref->zone.empty()) {
    return Status::InvalidField("image.sourceDisk", image.source_disk,
                                "Name the disk with its zone: zones/ZONE/disks/NAME.");
  }
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, ref->zone));
  ResourceRow disk;
  compute::Disk d;
  std::string parent_format = "qcow2";
  {
    std::lock_guard lock(s_.mu());
    Catalog& c = s_.catalog();
    IMAGO_RETURN_IF_ERROR(c.db().ReadTxn([&]() -> Status {
      auto row = s_.LoadRow(kDiskKind, "disks", project, ref->zone, ref->name);
      if (!row.ok()) return row.status();
      disk = std::move(row.value());
      auto parsed = compute::DiskFromJson(disk.resource);
      if (!parsed.ok()) return parsed.status();
      d = std::move(parsed.value());
      for (const std::string& user : d.users) {
        auto inst = c.FindResource(kInstanceKind, project, ref->zone, compute::LastSegment(user));
        if (inst.ok() && inst->has_value() && (*inst)->status() != "TERMINATED") {
          return Status::ResourceInUse(
              fmt::format("The disk resource '{}' is in use by a running instance; stop it first.",
                          compute::ZonalPath(project, ref->zone, "disks", ref->name)));
        }
      }
      if (!disk.content.empty()) {
        auto blob = c.FindBlob(disk.content);
        if (!blob.ok()) return blob.status();
        if (blob->has_value()) parent_format = (*blob)->disk.format;
      }
      return Status::OK();
    }));
  }
  if (d.status != "READY") return Status::NotReady("The source disk is not READY.");
  // A disk made from an image (or a snapshot) is a qcow2 overlay on that
  // content: its own file is exactly what changed. The image keeps only that
  // delta, backed by the parent's blob, which then stays while it is needed
  // (blobs.parent). A disk of its own (blank) is copied whole. The copy is
  // held locked in tmp/ so that a crash leaves nothing recovery would not remove.
  std::string tmp = s_.home() + "/tmp/image-" + std::to_string(s_.NewId()) + ".qcow2";
  auto tmp_lock = base::FileLock::Acquire(tmp);
  if (!tmp_lock.ok()) return tmp_lock.status();
  const std::string& parent = disk.content;
  std::vector<std::string> argv = {"qemu-img", "convert", "-U", "-O", "qcow2"};
  if (!parent.empty()) {
    // -B with the same backing as the disk's: only the overlay's clusters
    // are written (the chain below is not read into the copy).
    argv.insert(argv.end(), {"-B", s_.store().BlobPath(parent), "-F", parent_format});
  }
  argv.insert(argv.end(), {s_.DiskFile(disk.id), tmp});
  auto conv = base::RunProcess(argv);
  if (!conv.ok() || conv->exit_code != 0) {
    unlink(tmp.c_str());
    return conv.ok() ? Status::Unavailable("cannot copy the disk: " + base::FirstLine(conv->err))
                     : conv.status();
  }
  image.source_disk = d.self_link;
  image.source_disk_id = std::to_string(disk.id);
  if (disk.source_image_id) {
    image.source_image = d.source_image;
    image.source_image_id = std::to_string(disk.source_image_id);
  }
  auto copy = OpenSourceFile(tmp, "image.sourceDisk");
  if (!copy.ok()) {
    unlink(tmp.c_str());
    return copy.status();
  }
  auto op = Import(project, std::move(image), copy->get(), tmp, opts, parent);
  unlink(tmp.c_str());
  return op;
}

}  // namespace imago::localcloud
