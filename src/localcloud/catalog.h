// Catalog: the SQL side of the local cloud. Stores images, content blobs and
// operations in one SQLite file and answers the queries LocalCloud needs.
// It knows the schema, not the semantics: validation and GCE rules live in
// LocalCloud. Every method except Open must run inside a transaction begun
// with db().WriteTxn() or db().ReadTxn().
#ifndef IMAGO_LOCALCLOUD_CATALOG_H_
#define IMAGO_LOCALCLOUD_CATALOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compute/json_codec.h"
#include "compute/status.h"
#include "compute/types.h"
#include "localcloud/content_store.h"
#include "localcloud/sqlite.h"

namespace imago::localcloud {

using compute::Result;

/// An image row: the API resource plus what only the local cloud keeps.
struct ImageRow {
  compute::Image image;
  int64_t creation_us = 0;
  std::string content;  // Blob digest; empty while PENDING.
};

/// An operation row plus its recovery record.
struct OperationRow {
  compute::Operation op;
  std::string project;
  int64_t insert_us = 0;
  std::string work;  // JSON: what to finish or undo after a crash; empty when none.
  int64_t seq = 0;   // Insertion order: the journal's order (read only).
};

/// A disk, snapshot or instance row: the API resource as JSON plus what
/// only the local cloud keeps about it. The resource's status lives in the
/// resource alone; the catalog copies it into its index column on write.
struct ResourceRow {
  std::string kind;  // "disk", "snapshot", "instance".
  std::string project;
  std::string zone;  // Zone name; "" for global resources (snapshots).
  std::string name;
  uint64_t id = 0;
  int64_t creation_us = 0;
  std::string content;           // Blob this resource's data rests on; "" when none.
  uint64_t source_image_id = 0;  // The image it came from, at any distance; 0 when none.
  compute::Json resource;        // The API resource.
  compute::Json local = compute::Json::object();  // Files, process, ports: local-only state.

  /// resource.status ("" when it has none).
  std::string status() const {
    return resource.is_object() && resource.contains("status") && resource["status"].is_string()
               ? resource["status"].get<std::string>()
               : std::string();
  }
};

/// Where a scan of images or operations starts, its order, and which index it may use.
struct ScanSpec {
  bool by_time_desc = false;          // Else by name ascending.
  std::optional<std::string> family;  // Exact family (index).
  std::optional<std::string> name;    // Exact name.
  bool after_set = false;             // Resume after (after_time, after_name).
  int64_t after_time = 0;
  std::string after_name;
  std::string zone;  // Operations: "" for global ones, else the zone's.
};

class Catalog {
 public:
  /// Opens or creates the catalog at `path` and migrates its schema.
  static Result<std::unique_ptr<Catalog>> Open(const std::string& path);
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  Db& db() { return *db_; }

  /// The schema version this build writes.
  static constexpr int kSchemaVersion = 3;

  // --- images
  Result<std::optional<ImageRow>> FindImage(const std::string& project, const std::string& name);
  Result<std::optional<ImageRow>> FindImageById(const std::string& project, uint64_t id);
  /// Newest READY, not deprecated image of the family.
  Result<std::optional<ImageRow>> FamilyHead(const std::string& project, const std::string& family);
  /// Inserts; the caller has checked that the name is free.
  compute::Status InsertImage(const std::string& project, const ImageRow& row);
  /// Rewrites the row of row.image.id.
  compute::Status UpdateImage(const std::string& project, const ImageRow& row);
  compute::Status DeleteImage(const std::string& project, uint64_t id);
  /// Calls `fn` for each image in scan order until it returns false.
  compute::Status ScanImages(const std::string& project, const ScanSpec& scan,
                             const std::function<bool(ImageRow&&)>& fn);
  /// Number of images, disks and snapshots whose content is `digest`.
  Result<int64_t> CountContentUsers(const std::string& digest);

  // --- blobs
  compute::Status InsertBlob(const BlobInfo& blob, int64_t now_us);  // No-op if present.
  compute::Status DeleteBlob(const std::string& digest);
  /// Trash: digests whose file is to be unlinked (journal of a delete).
  compute::Status AddTrash(const std::string& digest);
  compute::Status RemoveTrash(const std::string& digest);
  Result<std::vector<std::string>> ListTrash();
  Result<bool> BlobExists(const std::string& digest);
  Result<std::optional<BlobInfo>> FindBlob(const std::string& digest);

  // --- disks, snapshots, instances
  /// The row of `kind` named `name_or_id` in (project, zone), or nullopt.
  Result<std::optional<ResourceRow>> FindResource(const std::string& kind,
                                                  const std::string& project,
                                                  const std::string& zone,
                                                  const std::string& name_or_id);
  Result<std::optional<ResourceRow>> FindResourceById(uint64_t id);
  /// Inserts; the caller has checked that the name is free.
  compute::Status InsertResource(const ResourceRow& row);
  /// Rewrites content, resource and local of row.id (and the status column
  /// from resource.status).
  compute::Status UpdateResource(const ResourceRow& row);
  compute::Status DeleteResource(uint64_t id);
  /// Calls `fn` for each row of (kind, project, zone) in scan order until it returns false.
  compute::Status ScanResources(const std::string& kind, const std::string& project,
                                const std::string& zone, const ScanSpec& scan,
                                const std::function<bool(ResourceRow&&)>& fn);
  /// Every row of `kind`, in every project and zone, oldest first.
  Result<std::vector<ResourceRow>> AllResources(const std::string& kind);

  // --- operations
  Result<std::optional<OperationRow>> FindOperation(const std::string& project,
                                                    const std::string& name_or_id);
  Result<std::optional<OperationRow>> FindOperationByRequestId(const std::string& project,
                                                               const std::string& request_id);
  compute::Status InsertOperation(const OperationRow& row);
  compute::Status UpdateOperation(const OperationRow& row);
  compute::Status DeleteOperation(const std::string& project, uint64_t id);
  /// Operations not DONE, in every project.
  Result<std::vector<OperationRow>> UnfinishedOperations();
  /// Scans by name, or newest first in journal order (scan.after_time then
  /// holds the seq to resume after).
  compute::Status ScanOperations(const std::string& project, const ScanSpec& scan,
                                 const std::function<bool(OperationRow&&)>& fn);

 private:
  explicit Catalog(std::unique_ptr<Db> db) : db_(std::move(db)) {}
  compute::Status Migrate();
  Result<std::optional<ImageRow>> OneImage(Stmt& stmt);

  std::unique_ptr<Db> db_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_CATALOG_H_
