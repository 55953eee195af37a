// LocalCloud: the embedded compute::Service. The catalog is one SQLite file
// (WAL), image content lives in a content-addressed store, every mutation is
// journaled as an Operation. Several processes may share one home directory.
//
// Layout of the home directory:
//   catalog.db          the catalog (images, blobs, operations)
//   blobs/sha256/HEX    image content, read-only, named by its SHA-256
//   tmp/OPERATION       content being imported, flock()ed by its writer
//   store.lock          held while content files are published or unlinked
//
// Crash safety: an import first journals a RUNNING operation and a PENDING
// image, then copies, then publishes and commits. Open() finds operations
// whose process died (their tmp lock is free) and undoes them: the PENDING
// image row, the temporary file and any published content no row refers to.
#ifndef IMAGO_LOCALCLOUD_LOCAL_CLOUD_H_
#define IMAGO_LOCALCLOUD_LOCAL_CLOUD_H_

#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "compute/resource_ref.h"
#include "compute/service.h"
#include "compute/time_util.h"
#include "localcloud/catalog.h"
#include "localcloud/content_store.h"

namespace imago::localcloud {

struct LocalCloudOptions {
  std::string home;                       // Created when missing.
  const compute::Clock* clock = nullptr;  // Not owned; nullptr: the system clock.
  std::string self_link_base = compute::kDefaultSelfLinkBase;
  std::string user = "imago@localhost";  // Operation.user.
};

/// What Open() cleaned up after earlier crashes.
struct RecoveryReport {
  int operations_undone = 0;
  int temp_files_removed = 0;
  int content_files_removed = 0;
  bool empty() const {
    return operations_undone == 0 && temp_files_removed == 0 && content_files_removed == 0;
  }
};

class LocalCloud final : public compute::Service {
 public:
  /// Opens (creating) the home directory and its catalog, then recovers from
  /// earlier crashes. `report`, when given, says what was recovered.
  static compute::Result<std::unique_ptr<LocalCloud>> Open(const LocalCloudOptions& options,
                                                           RecoveryReport* report = nullptr);
  ~LocalCloud() override;
  LocalCloud(const LocalCloud&) = delete;
  LocalCloud& operator=(const LocalCloud&) = delete;

  compute::Result<compute::Operation> InsertImage(const std::string& project,
                                                  const compute::Image& image,
                                                  const compute::MutationOptions& opts) override;
  compute::Result<compute::Image> GetImage(const std::string& project,
                                           const std::string& image) override;
  compute::Result<compute::Image> GetImageFromFamily(const std::string& project,
                                                     const std::string& family) override;
  compute::Result<compute::ListPage<compute::Image>> ListImages(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> DeleteImage(const std::string& project,
                                                  const std::string& image,
                                                  const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> DeprecateImage(
      const std::string& project, const std::string& image,
      const std::optional<compute::DeprecationStatus>& status,
      const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> SetImageLabels(const std::string& project,
                                                     const std::string& image,
                                                     const compute::Labels& labels,
                                                     const std::string& fingerprint,
                                                     const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> PatchImage(const std::string& project,
                                                 const std::string& image,
                                                 const compute::ImagePatch& patch,
                                                 const compute::MutationOptions& opts) override;

  compute::Result<compute::Operation> GetGlobalOperation(const std::string& project,
                                                         const std::string& operation) override;
  compute::Result<compute::Operation> WaitGlobalOperation(const std::string& project,
                                                          const std::string& operation) override;
  compute::Result<compute::ListPage<compute::Operation>> ListGlobalOperations(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Status DeleteGlobalOperation(const std::string& project,
                                        const std::string& operation) override;

  /// The file holding an image's content (local cloud only).
  compute::Result<std::string> ImageContentPath(const std::string& project,
                                                const std::string& image);

  /// Runs crash recovery again (Open already did).
  compute::Result<RecoveryReport> Recover();

  const std::string& home() const { return options_.home; }

 private:
  LocalCloud(LocalCloudOptions options, std::unique_ptr<Catalog> catalog);

  using MutateFn = std::function<compute::Status(compute::Operation* op)>;
  // Runs `fn` and journals its Operation in one write transaction, honouring
  // the request id. `fn` sets the target and may add warnings.
  compute::Result<compute::Operation> Mutate(const std::string& project, const char* type,
                                             const compute::MutationOptions& opts,
                                             const MutateFn& fn);
  compute::Operation NewOperation(const std::string& project, const char* type,
                                  const std::string& request_id);
  compute::Result<compute::Operation> Import(const std::string& project, compute::Image image,
                                             const std::string& source,
                                             const compute::MutationOptions& opts);
  // Within a transaction: the row `image` names (name or id), or 404.
  compute::Result<ImageRow> LoadImage(const std::string& project, const std::string& image);
  compute::Result<ImageRow> LoadImageRef(const std::string& project, const compute::ImageRef& ref);
  // Within a transaction: resolves a reference used as a source; checks its state.
  compute::Result<ImageRow> ResolveSource(const std::string& project, const std::string& field,
                                          const std::string& text, compute::Operation* op);
  compute::Status ValidateDeprecation(const std::string& project, const ImageRow& target,
                                      compute::DeprecationStatus* d);
  // Unlinks content files listed in the trash whose blob rows are gone.
  compute::Status EmptyTrash(int* removed);
  compute::Status CheckProject(const std::string& project);
  uint64_t NewId();
  std::string Now3339() const;
  compute::TimeUs NowUs() const;

  LocalCloudOptions options_;
  compute::SystemClock system_clock_;
  const compute::Clock* clock_;
  std::unique_ptr<Catalog> catalog_;
  ContentStore store_;
  std::mutex mu_;  // One catalog connection: one caller at a time.
  std::mt19937_64 rng_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_CLOUD_H_
