#include "localcloud/local_cloud.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "compute/filter.h"
#include "compute/json_codec.h"
#include "compute/names.h"
#include "compute/page_token.h"
#include "compute/vm_codec.h"
#include "localcloud/disk_format.h"
#include "localcloud/local_util.h"

namespace imago::localcloud {

using compute::DeprecationState;
using compute::DeprecationStatus;
using compute::Image;
using compute::ImageRef;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Status;
using internal::ListPlan;
using internal::MarkFailed;
using internal::PageFiller;
using internal::PlanList;

namespace {

constexpr size_t kMaxDescription = 2048;

bool IsAllDigits(const std::string& s) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string Hex(uint64_t v, int digits) {
  std::string s = fmt::format("{:016x}", v);
  return s.substr(16 - digits);
}

// The import journal kept in an operation's `work` column.
struct ImportWork {
  uint64_t image_id = 0;
  std::string tmp_path;
  std::string digest;  // Set just before the content is published.

  std::string ToJson() const {
    return Json{{"kind", "import"},
                {"imageId", std::to_string(image_id)},
                {"tmp", tmp_path},
                {"digest", digest}}
        .dump();
  }
  static std::optional<ImportWork> Parse(const std::string& text) {
    Json j = Json::parse(text, nullptr, false);
    if (!j.is_object() || j.value("kind", "") != "import") return std::nullopt;
    ImportWork w;
    w.image_id = std::stoull(j.value("imageId", "0"));
    w.tmp_path = j.value("tmp", "");
    w.digest = j.value("digest", "");
    return w;
  }
};

}  // namespace

// ---------------------------------------------------------------- open/close

LocalCloud::LocalCloud(LocalCloudOptions options, std::unique_ptr<Catalog> catalog)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &system_clock_),
      catalog_(std::move(catalog)),
      store_(options_.home),
      rng_(std::random_device{}() ^ (static_cast<uint64_t>(getpid()) << 32) ^
           static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {}

LocalCloud::~LocalCloud() = default;

Result<std::unique_ptr<LocalCloud>> LocalCloud::Open(const LocalCloudOptions& options,
                                                     RecoveryReport* report) {
  if (options.home.empty()) return Status::Invalid("the local cloud needs a home directory");
  if (mkdir(options.home.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Unavailable("cannot create " + options.home + ": " + strerror(errno));
  }
  ContentStore probe(options.home);
  IMAGO_RETURN_IF_ERROR(probe.Init());
  auto catalog = Catalog::Open(options.home + "/catalog.db");
  if (!catalog.ok()) return catalog.status();
  std::unique_ptr<LocalCloud> cloud(new LocalCloud(options, std::move(catalog.value())));
  if (!options.recover) return cloud;
  auto rep = cloud->Recover();
  if (!rep.ok()) return rep.status();
  if (report) *report = rep.value();
  return cloud;
}

// ---------------------------------------------------------------- helpers

uint64_t LocalCloud::NewId() {
  // 19 digits like GCE's ids, and below 2^63 so SQLite stores them exactly.
  return 1'000'000'000'000'000'000ULL + rng_() % 8'000'000'000'000'000'000ULL;
}

compute::TimeUs LocalCloud::NowUs() const {
  return clock_->Now();
}
std::string LocalCloud::Now3339() const {
  return compute::FormatRfc3339(NowUs());
}

Status LocalCloud::CheckProject(const std::string& project) {
  return compute::ValidateProject(project);
}

Operation LocalCloud::NewOperation(const std::string& project, const char* type,
                                   const std::string& request_id, const std::string& zone) {
  Operation op;
  op.id = NewId();
  uint64_t ms = static_cast<uint64_t>(NowUs() / 1000);
  op.name =
      fmt::format("operation-{}-{}-{}-{}", ms, Hex(rng_(), 13), Hex(rng_(), 8), Hex(rng_(), 8));
  op.operation_type = type;
  op.status = "RUNNING";
  op.progress = 0;
  op.user = options_.user;
  op.insert_time = Now3339();
  op.start_time = op.insert_time;
  op.client_operation_id = request_id;
  if (zone.empty()) {
    op.self_link =
        compute::Link(options_.self_link_base, compute::GlobalOperationPath(project, op.name));
  } else {
    op.zone = ZoneLink(project, zone);
    op.self_link = compute::Link(options_.self_link_base,
                                 compute::ZonalPath(project, zone, "operations", op.name));
  }
  return op;
}

Result<ImageRow> LocalCloud::LoadImageRef(const std::string& project, const ImageRef& ref) {
  const std::string& p = ref.project.empty() ? project : ref.project;
  Result<std::optional<ImageRow>> row = std::optional<ImageRow>();
  if (ref.is_family()) {
    row = catalog_->FamilyHead(p, ref.name);
    if (row.ok() && !row->has_value()) {
      return Status::ResourceNotFound(compute::FamilyPath(p, ref.name));
    }
  } else if (ref.id) {
    row = catalog_->FindImageById(p, ref.id);
    if (row.ok() && !row->has_value()) {
      return Status::ResourceNotFound(compute::ImagePath(p, std::to_string(ref.id)));
    }
  } else {
    row = catalog_->FindImage(p, ref.name);
    if (row.ok() && !row->has_value()) {
      return Status::ResourceNotFound(compute::ImagePath(p, ref.name));
    }
  }
  if (!row.ok()) return row.status();
  return std::move(**row);
}

Result<ImageRow> LocalCloud::LoadImage(const std::string& project, const std::string& image) {
  ImageRef ref;
  if (IsAllDigits(image)) {
    ref.id = std::stoull(image);
  } else {
    IMAGO_RETURN_IF_ERROR(compute::ValidateName("image", image));
    ref.name = image;
  }
  return LoadImageRef(project, ref);
}

Result<ImageRow> LocalCloud::ResolveSource(const std::string& project, const std::string& field,
                                           const std::string& text, Operation* op) {
  auto ref = compute::ParseImageRef(field, text);
  if (!ref.ok()) return ref.status();
  auto row = LoadImageRef(project, *ref);
  if (!row.ok()) {
    if (row.status().code() == compute::Code::kNotFound && !ref->is_family()) {
      return Status::InvalidField(field, text, "The referenced image resource cannot be found.");
    }
    return row.status();
  }
  const Image& src = row->image;
  std::string path = compute::ImagePath(ref->project.empty() ? project : ref->project, src.name);
  if (src.status != "READY") {
    return Status::NotReady(
        fmt::format("The resource '{}' is not ready (status {}).", path, src.status));
  }
  DeprecationState state = src.State();
  std::string replacement = src.deprecated ? src.deprecated->replacement : "";
  if (state == DeprecationState::kObsolete || state == DeprecationState::kDeleted) {
    std::string what = state == DeprecationState::kObsolete ? "obsolete" : "deleted";
    return Status::Invalid(
        fmt::format("The resource '{}' is {}.  New uses are not allowed.  {}", path, what,
                    replacement.empty() ? std::string("No replacement was specified.")
                                        : "Use the replacement '" + replacement + "'."));
  }
  if (state == DeprecationState::kDeprecated && op) {
    compute::Warning w;
    w.code = "DEPRECATED_RESOURCE_USED";
    w.message =
        fmt::format("The resource '{}' is deprecated. {}", path,
                    replacement.empty() ? std::string("No replacement was specified.")
                                        : "A suggested replacement is '" + replacement + "'.");
    w.data.emplace_back("resource_name", path);
    if (!replacement.empty()) w.data.emplace_back("replacement", replacement);
    op->warnings.push_back(std::move(w));
  }
  return row;
}

Status LocalCloud::ValidateDeprecation(const std::string& project, const ImageRow& target,
                                       DeprecationStatus* d) {
  for (auto [field, value] : {std::pair{"deprecationStatus.deprecated", &d->deprecated},
                              std::pair{"deprecationStatus.obsolete", &d->obsolete},
                              std::pair{"deprecationStatus.deleted", &d->deleted}}) {
    if (!value->empty() && !compute::ParseTimestamp(*value)) {
      return Status::InvalidField(field, *value,
                                  "Must be an RFC 3339 timestamp such as 2026-12-01T00:00:00Z.");
    }
  }
  if (!d->replacement.empty()) {
    auto ref = compute::ParseImageRef("deprecationStatus.replacement", d->replacement);
    if (!ref.ok()) return ref.status();
    if (ref->is_family()) {
      return Status::InvalidField("deprecationStatus.replacement", d->replacement,
                                  "The replacement must name an image, not a family.");
    }
    auto rep = LoadImageRef(project, *ref);
    if (!rep.ok()) {
      return Status::InvalidField("deprecationStatus.replacement", d->replacement,
                                  "The referenced image resource cannot be found.");
    }
    if (rep->image.id == target.image.id) {
      return Status::InvalidField("deprecationStatus.replacement", d->replacement,
                                  "An image cannot be its own replacement.");
    }
    d->replacement = rep->image.self_link;
  }
  return Status::OK();
}

Result<Operation> LocalCloud::Mutate(const std::string& project, const char* type,
                                     const MutationOptions& opts, const MutateFn& fn,
                                     const std::string& zone) {
  IMAGO_RETURN_IF_ERROR(CheckProject(project));
  if (!opts.request_id.empty()) IMAGO_RETURN_IF_ERROR(compute::ValidateRequestId(opts.request_id));
  std::lock_guard lock(mu_);
  Operation result;
  Status st = catalog_->db().WriteTxn([&]() -> Status {
    if (!opts.request_id.empty()) {
      auto prior = catalog_->FindOperationByRequestId(project, opts.request_id);
      if (!prior.ok()) return prior.status();
      if (prior->has_value()) {
        result = (*prior)->op;  // A replay: the first call's operation, no new effect.
        return Status::OK();
      }
    }
    Operation op = NewOperation(project, type, opts.request_id, zone);
    IMAGO_RETURN_IF_ERROR(fn(&op));
    op.status = "DONE";
    op.progress = 100;
    op.end_time = Now3339();
    OperationRow row{op, project, NowUs(), ""};
    IMAGO_RETURN_IF_ERROR(catalog_->InsertOperation(row));
    result = std::move(op);
    return Status::OK();
  });
  if (!st.ok()) return st;
  return result;
}

// ---------------------------------------------------------------- images

Result<Operation> LocalCloud::InsertImage(const std::string& project, const Image& in,
                                          const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(CheckProject(project));
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("image.name", in.name));
  if (!in.family.empty()) IMAGO_RETURN_IF_ERROR(compute::ValidateName("image.family", in.family));
  IMAGO_RETURN_IF_ERROR(compute::ValidateLabels("image.labels", in.labels));
  if (in.description.size() > kMaxDescription) {
    return Status::InvalidField("image.description", in.description.substr(0, 40) + "...",
                                "A description has at most 2048 characters.");
  }
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
  image.self_link = compute::Link(options_.self_link_base, compute::ImagePath(project, image.name));

  if (!raw.empty()) {
    std::string path = raw.starts_with("file://") ? raw.substr(7) : raw;
    image.raw_disk = compute::RawDisk{raw, "", ""};
    return Import(project, std::move(image), path, opts);
  }
  if (!in.source_disk.empty()) {
    image.source_disk = in.source_disk;
    return ImageFromDisk(project, std::move(image), opts);
  }

  // A copy of another image: same content, recorded ancestry.
  return Mutate(project, "insert", opts, [&](Operation* op) -> Status {
    auto existing = catalog_->FindImage(project, image.name);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) {
      return Status::ResourceExists(compute::ImagePath(project, image.name));
    }
    ImageRow row;
    row.image = image;
    if (!in.source_snapshot.empty()) {
      auto snap = ResolveSnapshot(project, "image.sourceSnapshot", in.source_snapshot);
      if (!snap.ok()) return snap.status();
      auto s = compute::SnapshotFromJson(snap->resource);
      if (!s.ok()) return s.status();
      row.image.source_snapshot = s->self_link;
      row.image.source_snapshot_id = std::to_string(s->id);
      row.image.archive_size_bytes = s->storage_bytes;
      row.image.disk_size_gb = s->disk_size_gb;
      row.content = snap->content;
    } else {
      auto src = ResolveSource(project, "image.sourceImage", in.source_image, op);
      if (!src.ok()) return src.status();
      row.image.source_image = src->image.self_link;
      row.image.source_image_id = std::to_string(src->image.id);
      row.image.archive_size_bytes = src->image.archive_size_bytes;
      row.image.disk_size_gb = src->image.disk_size_gb;
      row.content = src->content;
    }
    row.image.id = NewId();
    row.creation_us = NowUs();
    row.image.creation_timestamp = compute::FormatRfc3339(row.creation_us);
    row.image.status = "READY";
    IMAGO_RETURN_IF_ERROR(catalog_->InsertImage(project, row));
    op->target_link = row.image.self_link;
    op->target_id = row.image.id;
    return Status::OK();
  });
}

Result<Operation> LocalCloud::Import(const std::string& project, Image image,
                                     const std::string& source, const MutationOptions& opts,
                                     const std::string& parent) {
  if (!opts.request_id.empty()) IMAGO_RETURN_IF_ERROR(compute::ValidateRequestId(opts.request_id));
  if (source.empty() || source[0] != '/') {
    return Status::InvalidField("image.rawDisk.source", source,
                                "The local cloud needs an absolute path or a file:// URL.");
  }
  if (parent.empty()) {
    auto probe = store_.Probe(source, "image.rawDisk.source");
    if (!probe.ok()) return probe.status();
  }
  // 1. Journal: a RUNNING operation and a PENDING image, with the temporary
  //    file locked first so that recovery can tell this writer is alive.
  Operation op;
  ImportWork work;
  {
    std::lock_guard lock(mu_);
    op = NewOperation(project, "insert", opts.request_id);
    image.id = NewId();
  }
  auto blob = store_.Reserve(op.name);
  if (!blob.ok()) return blob.status();
  work.image_id = image.id;
  work.tmp_path = blob->tmp_path;
  auto drop_tmp = [&] { unlink(work.tmp_path.c_str()); };

  bool replayed = false;
  {
    std::lock_guard lock(mu_);
    Status st = catalog_->db().WriteTxn([&]() -> Status {
      if (!opts.request_id.empty()) {
        auto prior = catalog_->FindOperationByRequestId(project, opts.request_id);
        if (!prior.ok()) return prior.status();
        if (prior->has_value()) {
          op = (*prior)->op;
          replayed = true;
          return Status::OK();
        }
      }
      auto existing = catalog_->FindImage(project, image.name);
      if (!existing.ok()) return existing.status();
      if (existing->has_value())
        return Status::ResourceExists(compute::ImagePath(project, image.name));
      ImageRow row;
      row.image = image;
      row.creation_us = NowUs();
      row.image.creation_timestamp = compute::FormatRfc3339(row.creation_us);
      row.image.status = "PENDING";
      IMAGO_RETURN_IF_ERROR(catalog_->InsertImage(project, row));
      image = row.image;
      op.target_link = image.self_link;
      op.target_id = image.id;
      return catalog_->InsertOperation({op, project, NowUs(), work.ToJson()});
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
    std::lock_guard lock(mu_);
    Status st = catalog_->db().WriteTxn([&]() -> Status {
      IMAGO_RETURN_IF_ERROR(catalog_->DeleteImage(project, image.id));
      MarkFailed(&op, why,
                 why.code() == compute::Code::kInvalid ? "INVALID_FIELD_VALUE" : "IMPORT_FAILED",
                 Now3339());
      return catalog_->UpdateOperation({op, project, 0, ""});
    });
    if (!st.ok()) return st;
    return why;  // Synchronous callers get the reason directly.
  };
  Status copied =
      store_.Import(source, "image.rawDisk.source", opts.progress, &blob.value(), !parent.empty());
  blob->info.parent = parent;
  if (!copied.ok()) return finish_failed(copied);

  // 3. Publish and commit under the store lock (no unlink can interleave).
  auto store_lock = FileLock::Acquire(options_.home + "/store.lock");
  if (!store_lock.ok()) return finish_failed(store_lock.status());
  std::lock_guard lock(mu_);
  work.digest = blob->info.digest;
  Status st = catalog_->db().WriteTxn([&] {
    return catalog_->UpdateOperation({op, project, 0, work.ToJson()});
  });
  if (st.ok()) st = store_.Publish(&blob.value());
  if (st.ok()) {
    st = catalog_->db().WriteTxn([&]() -> Status {
      IMAGO_RETURN_IF_ERROR(catalog_->InsertBlob(blob->info, NowUs()));
      auto row = catalog_->FindImageById(project, image.id);
      if (!row.ok()) return row.status();
      if (!row->has_value()) return Status::Internal("the pending image row vanished");
      ImageRow r = std::move(**row);
      r.image.status = "READY";
      r.image.archive_size_bytes = static_cast<int64_t>(blob->info.size);
      r.image.disk_size_gb = DiskSizeGb(blob->info.disk.virtual_size);
      r.content = blob->info.digest;
      IMAGO_RETURN_IF_ERROR(catalog_->UpdateImage(project, r));
      op.status = "DONE";
      op.progress = 100;
      op.end_time = Now3339();
      return catalog_->UpdateOperation({op, project, 0, ""});
    });
  }
  if (!st.ok()) {
    // Leave the journal as it is: recovery undoes it once this process is gone.
    return st;
  }
  return op;
}

Result<Image> LocalCloud::GetImage(const std::string& project, const std::string& image) {
  IMAGO_RETURN_IF_ERROR(CheckProject(project));
  std::lock_guard lock(mu_);
  Result<ImageRow> row = Status::Internal("unset");
  Status st = catalog_->db().ReadTxn([&]() -> Status {
    row = LoadImage(project, image);
    return row.status();
  });
  if (!st.ok()) return st;
  return std::move(row->image);
}

Result<Image> LocalCloud::GetImageFromFamily(const std::string& project,
                                             const std::string& family) {
  IMAGO_RETURN_IF_ERROR(CheckProject(project));
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("family", family));
  std::lock_guard lock(mu_);
  auto row = catalog_->FamilyHead(project, family);
  if (!row.ok()) return row.status();
  if (!row->has_value()) return Status::ResourceNotFound(compute::FamilyPath(project, family));
  return std::move((*row)->image);
}

Result<ListPage<Image>> LocalCloud::ListImages(const std::string& project,
                                               const ListOptions& opts) {
  auto plan = PlanList("images", project, opts, compute::ImageFilterSchema());
  if (!plan.ok()) return plan.status();
  plan->scan.family = plan->filter.RequiredValue("family");
  plan->scan.name = plan->filter.RequiredValue("name");
  PageFiller<Image> filler(*plan);
  std::lock_guard lock(mu_);
  Status st = catalog_->db().ReadTxn([&]() -> Status {
    return catalog_->ScanImages(project, plan->scan, [&](ImageRow&& row) {
      Json j = compute::ToJson(row.image);
      std::string name = row.image.name;
      return filler.Add(std::move(row.image), j, row.creation_us, name);
    });
  });
  if (!st.ok()) return st;
  return filler.Finish();
}

Result<Operation> LocalCloud::DeleteImage(const std::string& project, const std::string& image,
                                          const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(CheckProject(project));
  auto store_lock = FileLock::Acquire(options_.home + "/store.lock");
  if (!store_lock.ok()) return store_lock.status();
  auto op = Mutate(project, "delete", opts, [&](Operation* op) -> Status {
    auto row = LoadImage(project, image);
    if (!row.ok()) return row.status();
    if (row->image.status == "PENDING") {
      return Status::NotReady(
          fmt::format("The resource '{}' is being created; delete it when it "
                      "is READY.",
                      compute::ImagePath(project, row->image.name)));
    }
    IMAGO_RETURN_IF_ERROR(catalog_->DeleteImage(project, row->image.id));
    if (!row->content.empty()) IMAGO_RETURN_IF_ERROR(ReleaseContent(row->content));
    op->target_link = row->image.self_link;
    op->target_id = row->image.id;
    return Status::OK();
  });
  if (!op.ok()) return op;
  std::lock_guard lock(mu_);
  int removed = 0;
  IMAGO_RETURN_IF_ERROR(EmptyTrash(&removed));
  return op;
}

Result<Operation> LocalCloud::DeprecateImage(const std::string& project, const std::string& image,
                                             const std::optional<DeprecationStatus>& status,
                                             const MutationOptions& opts) {
  return Mutate(project, "deprecate", opts, [&](Operation* op) -> Status {
    auto row = LoadImage(project, image);
    if (!row.ok()) return row.status();
    if (!status || status->state == DeprecationState::kActive) {
      row->image.deprecated.reset();  // Empty body or ACTIVE: un-deprecate.
    } else {
      DeprecationStatus d = *status;
      IMAGO_RETURN_IF_ERROR(ValidateDeprecation(project, *row, &d));
      row->image.deprecated = d;
    }
    IMAGO_RETURN_IF_ERROR(catalog_->UpdateImage(project, *row));
    op->target_link = row->image.self_link;
    op->target_id = row->image.id;
    return Status::OK();
  });
}

Result<Operation> LocalCloud::SetImageLabels(const std::string& project, const std::string& image,
                                             const compute::Labels& labels,
                                             const std::string& fingerprint,
                                             const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(compute::ValidateLabels("labels", labels));
  return Mutate(project, "setLabels", opts, [&](Operation* op) -> Status {
    auto row = LoadImage(project, image);
    if (!row.ok()) return row.status();
    if (fingerprint != row->image.label_fingerprint) {
      Status st = Status::ConditionNotMet(
          "Labels fingerprint either invalid or resource labels have changed");
      st.WithLocation("If-Match");
      return st;
    }
    row->image.labels = labels;
    row->image.label_fingerprint = compute::LabelFingerprint(labels);
    IMAGO_RETURN_IF_ERROR(catalog_->UpdateImage(project, *row));
    op->target_link = row->image.self_link;
    op->target_id = row->image.id;
    return Status::OK();
  });
}

Result<Operation> LocalCloud::PatchImage(const std::string& project, const std::string& image,
                                         const compute::ImagePatch& patch,
                                         const MutationOptions& opts) {
  if (patch.family && !patch.family->empty()) {
    IMAGO_RETURN_IF_ERROR(compute::ValidateName("image.family", *patch.family));
  }
  if (patch.description && patch.description->size() > kMaxDescription) {
    return Status::InvalidField("image.description", patch.description->substr(0, 40) + "...",
                                "A description has at most 2048 characters.");
  }
  return Mutate(project, "patch", opts, [&](Operation* op) -> Status {
    auto row = LoadImage(project, image);
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
    IMAGO_RETURN_IF_ERROR(catalog_->UpdateImage(project, *row));
    op->target_link = row->image.self_link;
    op->target_id = row->image.id;
    return Status::OK();
  });
}

Result<std::string> LocalCloud::ImageContentPath(const std::string& project,
                                                 const std::string& image) {
  IMAGO_RETURN_IF_ERROR(CheckProject(project));
  std::lock_guard lock(mu_);
  Result<ImageRow> row = Status::Internal("unset");
  Status st = catalog_->db().ReadTxn([&]() -> Status {
    row = LoadImage(project, image);
    return row.status();
  });
  if (!st.ok()) return st;
  if (row->content.empty()) return Status::NotReady("the image has no content yet");
  return store_.BlobPath(row->content);
}

// ---------------------------------------------------------------- operations

Result<Operation> LocalCloud::GetGlobalOperation(const std::string& project,
                                                 const std::string& operation) {
  IMAGO_RETURN_IF_ERROR(CheckProject(project));
  std::lock_guard lock(mu_);
  auto row = catalog_->FindOperation(project, operation);
  if (!row.ok()) return row.status();
  if (!row->has_value() || !(*row)->op.zone.empty()) {
    return Status::ResourceNotFound(compute::GlobalOperationPath(project, operation));
  }
  return std::move((*row)->op);
}

Result<Operation> LocalCloud::WaitGlobalOperation(const std::string& project,
                                                  const std::string& operation) {
  return WaitUntilDone([&] { return GetGlobalOperation(project, operation); });
}

Result<Operation> LocalCloud::WaitUntilDone(const std::function<Result<Operation>()>& get) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(110);
  while (true) {
    auto op = get();
    if (!op.ok() || op->done() || std::chrono::steady_clock::now() > deadline) return op;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Result<ListPage<Operation>> LocalCloud::ListGlobalOperations(const std::string& project,
                                                             const ListOptions& opts) {
  return ListOperationsIn(project, "", opts);
}

Result<ListPage<Operation>> LocalCloud::ListOperationsIn(const std::string& project,
                                                         const std::string& zone,
                                                         const ListOptions& opts) {
  // The zone binds page tokens to their listing ("" for global ones).
  auto plan = PlanList("operations", project, opts, compute::OperationFilterSchema(), zone);
  if (!plan.ok()) return plan.status();
  plan->scan.zone = zone;
  PageFiller<Operation> filler(*plan);
  std::lock_guard lock(mu_);
  Status st = catalog_->db().ReadTxn([&]() -> Status {
    return catalog_->ScanOperations(project, plan->scan, [&](OperationRow&& row) {
      Json j = compute::ToJson(row.op);
      std::string name = row.op.name;
      return filler.Add(std::move(row.op), j, row.seq, name);
    });
  });
  if (!st.ok()) return st;
  return filler.Finish();
}

Status LocalCloud::DeleteGlobalOperation(const std::string& project, const std::string& operation) {
  IMAGO_RETURN_IF_ERROR(CheckProject(project));
  std::lock_guard lock(mu_);
  return catalog_->db().WriteTxn([&]() -> Status {
    auto row = catalog_->FindOperation(project, operation);
    if (!row.ok()) return row.status();
    if (!row->has_value() || !(*row)->op.zone.empty()) {
      return Status::ResourceNotFound(compute::GlobalOperationPath(project, operation));
    }
    if (!(*row)->op.done()) {
      return Status::NotReady("The operation is still running; delete it when it is DONE.");
    }
    return catalog_->DeleteOperation(project, (*row)->op.id);
  });
}

Status LocalCloud::CollectTrash() {
  auto store_lock = FileLock::Acquire(options_.home + "/store.lock");
  if (!store_lock.ok()) return store_lock.status();
  std::lock_guard lock(mu_);
  int removed = 0;
  return EmptyTrash(&removed);
}

Status LocalCloud::ReleaseContent(std::string digest) {
  while (!digest.empty()) {
    auto users = catalog_->CountContentUsers(digest);
    if (!users.ok()) return users.status();
    if (*users > 0) return Status::OK();
    auto blob = catalog_->FindBlob(digest);
    if (!blob.ok()) return blob.status();
    std::string parent = blob->has_value() ? (*blob)->parent : "";
    IMAGO_RETURN_IF_ERROR(catalog_->DeleteBlob(digest));
    IMAGO_RETURN_IF_ERROR(catalog_->AddTrash(digest));
    digest = parent;  // The parent may have been kept only for this child.
  }
  return Status::OK();
}

// ---------------------------------------------------------------- recovery

Status LocalCloud::EmptyTrash(int* removed) {
  auto trash = catalog_->ListTrash();
  if (!trash.ok()) return trash.status();
  for (const std::string& digest : *trash) {
    IMAGO_RETURN_IF_ERROR(catalog_->db().WriteTxn([&]() -> Status {
      auto exists = catalog_->BlobExists(digest);
      if (!exists.ok()) return exists.status();
      if (!*exists) {  // Not re-imported meanwhile: the file can go.
        IMAGO_RETURN_IF_ERROR(store_.Remove(digest));
        ++*removed;
      }
      return catalog_->RemoveTrash(digest);
    }));
  }
  return Status::OK();
}

Result<RecoveryReport> LocalCloud::Recover() {
  RecoveryReport report;
  std::vector<OperationRow> unfinished;
  std::vector<std::string> trash;
  {
    std::lock_guard lock(mu_);
    auto ops = catalog_->UnfinishedOperations();
    if (!ops.ok()) return ops.status();
    unfinished = std::move(ops.value());
    auto t = catalog_->ListTrash();
    if (!t.ok()) return t.status();
    trash = std::move(t.value());
  }
  IMAGO_RETURN_IF_ERROR(ReconcileVms(&report));
  report.temp_files_removed = store_.RemoveAbandoned();
  if (unfinished.empty() && trash.empty()) return report;  // The common case: nothing to do.

  auto store_lock = FileLock::Acquire(options_.home + "/store.lock");
  if (!store_lock.ok()) return store_lock.status();
  std::lock_guard lock(mu_);
  for (OperationRow& row : unfinished) {
    auto work = ImportWork::Parse(row.work);
    if (!work) continue;
    bool alive = false;
    auto tmp = FileLock::TryAcquire(work->tmp_path, &alive);
    if (alive) continue;  // Its writer is still copying.
    Status st = catalog_->db().WriteTxn([&]() -> Status {
      auto again = catalog_->FindOperation(row.project, row.op.name);
      if (!again.ok()) return again.status();
      if (!again->has_value() || (*again)->op.done()) return Status::OK();  // Finished meanwhile.
      auto img = catalog_->FindImageById(row.project, work->image_id);
      if (!img.ok()) return img.status();
      if (img->has_value() && (*img)->image.status == "PENDING") {
        IMAGO_RETURN_IF_ERROR(catalog_->DeleteImage(row.project, work->image_id));
      }
      if (!work->digest.empty()) {
        auto exists = catalog_->BlobExists(work->digest);
        if (!exists.ok()) return exists.status();
        if (!*exists) IMAGO_RETURN_IF_ERROR(catalog_->AddTrash(work->digest));
      }
      MarkFailed(&row.op,
                 Status::Unavailable("The import was interrupted (its process ended); "
                                     "nothing of it was kept. Run it again."),
                 "OPERATION_INTERRUPTED", Now3339());
      row.work.clear();
      ++report.operations_undone;
      return catalog_->UpdateOperation(row);
    });
    if (!st.ok()) return st;
    if (tmp.ok() && unlink(work->tmp_path.c_str()) == 0) ++report.temp_files_removed;
  }
  IMAGO_RETURN_IF_ERROR(EmptyTrash(&report.content_files_removed));
  return report;
}

}  // namespace imago::localcloud
