#include "localcloud/local_images.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "base/file_lock.h"
#include "base/file_util.h"
#include "compute/filter.h"
#include "compute/json_codec.h"
#include "compute/names.h"
#include "compute/vm_codec.h"
#include "localcloud/content_gc.h"
#include "localcloud/disk_files.h"
#include "localcloud/list_util.h"
#include "localcloud/sources.h"
#include "localcloud/unsupported.h"

namespace imago::localcloud {

using compute::DeprecationState;
using compute::DeprecationStatus;
using compute::Image;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Status;
using internal::PageFiller;
using internal::PlanList;

namespace {

constexpr size_t kMaxDescription = 2048;

Status CheckDescription(const std::string& description) {
  if (description.size() <= kMaxDescription) return Status::OK();
  return Status::InvalidField("image.description", description.substr(0, 40) + "...",
                              "A description has at most 2048 characters.");
}

}  // namespace

Result<Operation> LocalImages::Insert(const std::string& project, const Image& in,
                                      const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("image.name", in.name));
  if (!in.family.empty()) IMAGO_RETURN_IF_ERROR(compute::ValidateName("image.family", in.family));
  IMAGO_RETURN_IF_ERROR(compute::ValidateLabels("image.labels", in.labels));
  IMAGO_RETURN_IF_ERROR(CheckDescription(in.description));
  IMAGO_RETURN_IF_ERROR(RefuseUnsupported(in.extra, "image",
                                          {{"imageEncryptionKey", kNoEncryption},
                                           {"sourceDiskEncryptionKey", kNoEncryption},
                                           {"sourceImageEncryptionKey", kNoEncryption},
                                           {"sourceSnapshotEncryptionKey", kNoEncryption}}));
  std::string raw = in.raw_disk ? in.raw_disk->source : "";
  int sources = !raw.empty() + !in.source_image.empty() + !in.source_disk.empty() +
                !in.source_snapshot.empty();
  if (sources != 1) {
    return Status::Invalid(
        "Invalid resource usage: 'Must specify exactly one source for an image.' "
        "(rawDisk.source, sourceImage, sourceDisk or sourceSnapshot)");
  }
  if (in.raw_disk && !in.raw_disk->sha1_checksum.empty()) {
    return Status::InvalidField("image.rawDisk.sha1Checksum", in.raw_disk->sha1_checksum,
                                "Not supported: imago checks content with SHA-256 on import.");
  }

  Image image;
  image.name = in.name;
  image.description = in.description;
  image.family = in.family;
  image.labels = in.labels;
  image.label_fingerprint = compute::LabelFingerprint(image.labels);
  image.extra = in.extra.is_object() ? in.extra : Json::object();
  if (!image.extra.contains("storageLocations")) image.extra["storageLocations"] = {"local"};
  image.source_type = "RAW";
  image.self_link = s_.Link(compute::ImagePath(project, image.name));

  if (!raw.empty()) {
    image.raw_disk = compute::RawDisk{raw, "", in.raw_disk->container_type};
    return FromRawDisk(project, std::move(image), opts);
  }
  if (!in.source_disk.empty()) {
    image.source_disk = in.source_disk;
    return FromDisk(project, std::move(image), opts);
  }
  return FromImageOrSnapshot(project, in, std::move(image), opts);
}

Result<Operation> LocalImages::FromImageOrSnapshot(const std::string& project, const Image& in,
                                                   Image image, const MutationOptions& opts) {
  return s_.Mutate(project, "insert", opts, [&](Operation* op) -> Status {
    auto existing = s_.catalog().FindImage(project, image.name);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) {
      return Status::ResourceExists(compute::ImagePath(project, image.name));
    }
    ImageRow row;
    row.image = image;
    if (!in.source_snapshot.empty()) {
      auto snap = ResolveSnapshot(s_, project, "image.sourceSnapshot", in.source_snapshot);
      if (!snap.ok()) return snap.status();
      auto sn = compute::SnapshotFromJson(snap->resource);
      if (!sn.ok()) return sn.status();
      row.image.source_snapshot = sn->self_link;
      row.image.source_snapshot_id = std::to_string(sn->id);
      row.image.archive_size_bytes = sn->storage_bytes;
      row.image.disk_size_gb = sn->disk_size_gb;
      row.content = snap->content;
    } else {
      auto src = ResolveSourceImage(s_, project, "image.sourceImage", in.source_image, op);
      if (!src.ok()) return src.status();
      row.image.source_image = src->image.self_link;
      row.image.source_image_id = std::to_string(src->image.id);
      row.image.archive_size_bytes = src->image.archive_size_bytes;
      row.image.disk_size_gb = src->image.disk_size_gb;
      row.content = src->content;
    }
    row.image.id = s_.NewId();
    row.creation_us = s_.NowUs();
    row.image.creation_timestamp = compute::FormatRfc3339(row.creation_us);
    row.image.status = "READY";
    IMAGO_RETURN_IF_ERROR(s_.catalog().InsertImage(project, row));
    op->target_link = row.image.self_link;
    op->target_id = row.image.id;
    return Status::OK();
  });
}

Result<Image> LocalImages::Get(const std::string& project, const std::string& image) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  std::lock_guard lock(s_.mu());
  Result<Image> out = Status::NotFound(image);
  IMAGO_RETURN_IF_ERROR(s_.catalog().db().ReadTxn([&]() -> Status {
    auto row = LoadImage(s_, project, image);
    if (!row.ok()) return row.status();
    out = std::move(row->image);
    return Status::OK();
  }));
  return out;
}

Result<Image> LocalImages::GetFromFamily(const std::string& project, const std::string& family) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("family", family));
  std::lock_guard lock(s_.mu());
  auto row = s_.catalog().FamilyHead(project, family);
  if (!row.ok()) return row.status();
  if (!row->has_value()) return Status::ResourceNotFound(compute::FamilyPath(project, family));
  return std::move((*row)->image);
}

Result<ListPage<Image>> LocalImages::List(const std::string& project, const ListOptions& opts) {
  auto plan = PlanList("images", project, opts, compute::ImageFilterSchema());
  if (!plan.ok()) return plan.status();
  plan->scan.family = plan->filter.RequiredValue("family");
  plan->scan.name = plan->filter.RequiredValue("name");
  PageFiller<Image> filler(*plan);
  std::lock_guard lock(s_.mu());
  IMAGO_RETURN_IF_ERROR(s_.catalog().db().ReadTxn([&]() -> Status {
    return s_.catalog().ScanImages(project, plan->scan, [&](ImageRow&& row) {
      Json j = compute::ToJson(row.image);
      std::string name = row.image.name;
      return filler.Add(std::move(row.image), j, row.creation_us, name);
    });
  }));
  return filler.Finish();
}

Result<Operation> LocalImages::Delete(const std::string& project, const std::string& image,
                                      const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  auto store_lock = base::FileLock::Acquire(StoreLockPath(s_));
  if (!store_lock.ok()) return store_lock.status();
  auto op = s_.Mutate(project, "delete", opts, [&](Operation* op) -> Status {
    auto row = LoadImage(s_, project, image);
    if (!row.ok()) return row.status();
    if (row->image.status == "PENDING") {
      return Status::NotReady(
          fmt::format("The resource '{}' is being created; delete it when it is READY.",
                      compute::ImagePath(project, row->image.name)));
    }
    IMAGO_RETURN_IF_ERROR(s_.catalog().DeleteImage(project, row->image.id));
    if (!row->content.empty()) IMAGO_RETURN_IF_ERROR(ReleaseContent(s_, row->content));
    op->target_link = row->image.self_link;
    op->target_id = row->image.id;
    return Status::OK();
  });
  if (!op.ok()) return op;
  std::lock_guard lock(s_.mu());
  int removed = 0;
  IMAGO_RETURN_IF_ERROR(EmptyTrash(s_, &removed));
  return op;
}

Status LocalImages::ValidateDeprecation(const std::string& project, const ImageRow& target,
                                        DeprecationStatus* d) {
  for (auto [field, value] : {std::pair{"deprecationStatus.deprecated", &d->deprecated},
                              std::pair{"deprecationStatus.obsolete", &d->obsolete},
                              std::pair{"deprecationStatus.deleted", &d->deleted}}) {
    if (!value->empty() && !compute::ParseTimestamp(*value)) {
      return Status::InvalidField(field, *value,
                                  "Must be an RFC 3339 timestamp such as 2026-12-01T00:00:00Z.");
    }
  }
  if (d->replacement.empty()) return Status::OK();
  auto ref = compute::ParseImageRef("deprecationStatus.replacement", d->replacement);
  if (!ref.ok()) return ref.status();
  if (ref->is_family()) {
    return Status::InvalidField("deprecationStatus.replacement", d->replacement,
                                "The replacement must name an image, not a family.");
  }
  auto rep = LoadImageRef(s_, project, *ref);
  if (!rep.ok()) {
    return Status::InvalidField("deprecationStatus.replacement", d->replacement,
                                "The referenced image resource cannot be found.");
  }
  if (rep->image.id == target.image.id) {
    return Status::InvalidField("deprecationStatus.replacement", d->replacement,
                                "An image cannot be its own replacement.");
  }
  d->replacement = rep->image.self_link;
  return Status::OK();
}

Result<Operation> LocalImages::Deprecate(const std::string& project, const std::string& image,
                                         const std::optional<DeprecationStatus>& status,
                                         const MutationOptions& opts) {
  return s_.Mutate(project, "deprecate", opts, [&](Operation* op) -> Status {
    auto row = LoadImage(s_, project, image);
    if (!row.ok()) return row.status();
    if (!status || status->state == DeprecationState::kActive) {
      row->image.deprecated.reset();  // Empty body or ACTIVE: un-deprecate.
    } else {
      DeprecationStatus d = *status;
      IMAGO_RETURN_IF_ERROR(ValidateDeprecation(project, *row, &d));
      row->image.deprecated = d;
    }
    IMAGO_RETURN_IF_ERROR(s_.catalog().UpdateImage(project, *row));
    op->target_link = row->image.self_link;
    op->target_id = row->image.id;
    return Status::OK();
  });
}

Result<Operation> LocalImages::SetLabels(const std::string& project, const std::string& image,
                                         const compute::Labels& labels,
                                         const std::string& fingerprint,
                                         const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(compute::ValidateLabels("labels", labels));
  return s_.Mutate(project, "setLabels", opts, [&](Operation* op) -> Status {
    auto row = LoadImage(s_, project, image);
    if (!row.ok()) return row.status();
    if (fingerprint != row->image.label_fingerprint) {
      Status st = Status::ConditionNotMet(
          "Labels fingerprint either invalid or resource labels have changed");
      st.WithLocation("If-Match");
      return st;
    }
    row->image.labels = labels;
    row->image.label_fingerprint = compute::LabelFingerprint(labels);
    IMAGO_RETURN_IF_ERROR(s_.catalog().UpdateImage(project, *row));
    op->target_link = row->image.self_link;
    op->target_id = row->image.id;
    return Status::OK();
  });
}

Result<Operation> LocalImages::Patch(const std::string& project, const std::string& image,
                                     const compute::ImagePatch& patch,
                                     const MutationOptions& opts) {
  if (patch.family && !patch.family->empty()) {
    IMAGO_RETURN_IF_ERROR(compute::ValidateName("image.family", *patch.family));
  }
  if (patch.description) IMAGO_RETURN_IF_ERROR(CheckDescription(*patch.description));
  return s_.Mutate(project, "patch", opts, [&](Operation* op) -> Status {
    auto row = LoadImage(s_, project, image);
    if (!row.ok()) return row.status();
    if (patch.family) row->image.family = *patch.family;
    if (patch.description) row->image.description = *patch.description;
    if (patch.deprecated) {
      if (patch.deprecated->state == DeprecationState::kActive) {
        row->image.deprecated.reset();
      } else {
        DeprecationStatus d = *patch.deprecated;
        IMAGO_RETURN_IF_ERROR(ValidateDeprecation(project, *row, &d));
        row->image.deprecated = d;
      }
    }
    IMAGO_RETURN_IF_ERROR(s_.catalog().UpdateImage(project, *row));
    op->target_link = row->image.self_link;
    op->target_id = row->image.id;
    return Status::OK();
  });
}

Result<std::string> LocalImages::ContentPath(const std::string& project, const std::string& image) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  std::lock_guard lock(s_.mu());
  std::string content;
  IMAGO_RETURN_IF_ERROR(s_.catalog().db().ReadTxn([&]() -> Status {
    auto row = LoadImage(s_, project, image);
    if (!row.ok()) return row.status();
    content = row->content;
    return Status::OK();
  }));
  if (content.empty()) return Status::NotReady("the image has no content yet");
  return s_.store().BlobPath(content);
}

Result<std::string> LocalImages::ReadFile(const std::string& project, const std::string& image,
                                          const std::string& path, size_t max_bytes) {
  if (!path.starts_with("/") || path.find("..") != std::string::npos ||
      path.find_first_of(" \t\n\"'") != std::string::npos) {
    return Status::Invalid("'" + path + "' is not an absolute path without spaces or '..'");
  }
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  std::string content;
  std::optional<BlobInfo> blob;
  {
    std::lock_guard lock(s_.mu());
    IMAGO_RETURN_IF_ERROR(s_.catalog().db().ReadTxn([&]() -> Status {
      auto row = LoadImage(s_, project, image);
      if (!row.ok()) return row.status();
      content = row->content;
      if (content.empty()) return Status::OK();
      auto b = s_.catalog().FindBlob(content);
      if (!b.ok()) return b.status();
      blob = *b;
      return Status::OK();
    }));
  }
  if (content.empty() || !blob) return Status::NotReady("the image has no content yet");
  // The cache: one directory per content, one file per path read.
  const std::string parent = s_.home() + "/image-files";
  const std::string dir = parent + "/" + content.substr(0, 32);
  for (const std::string& d : {parent, dir}) {
    if (mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::Unavailable("cannot create " + d + ": " + strerror(errno));
    }
  }
  std::string key = path.substr(1);
  std::replace(key.begin(), key.end(), '/', '%');
  const std::string cached = dir + "/" + key;
  const std::string missing = cached + ".missing";
  auto lock = base::FileLock::Acquire(dir + "/lock");  // One reader of a content at a time.
  if (!lock.ok()) return lock.status();
  if (access(missing.c_str(), F_OK) == 0) return Status::NotFound("the image has no " + path);
  if (access(cached.c_str(), F_OK) != 0) {
    auto view = RawDiskView::Open(s_.store().BlobPath(content), blob->disk.format, dir);
    if (!view.ok()) return view.status();
    Status d = (*view)->Dump(path, cached + ".tmp");
    if (d.code() == compute::Code::kNotFound) {
      std::ofstream(missing).flush();  // Content never changes: neither will this answer.
      return Status::NotFound("the image has no " + path);
    }
    IMAGO_RETURN_IF_ERROR(d);
    if (rename((cached + ".tmp").c_str(), cached.c_str()) != 0) {
      return Status::Unavailable("cannot write " + cached + ": " + strerror(errno));
    }
  }
  struct stat st;
  if (stat(cached.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) > max_bytes) {
    return Status::Invalid(fmt::format("{} in the image is {} bytes, more than the {} read", path,
                                       st.st_size, max_bytes));
  }
  return base::ReadFile(cached);
}

}  // namespace imago::localcloud
