// compute::Service: the waist of imago. One C++ interface shaped like the
// Compute Engine v1 API; LocalCloud (embedded, SQLite + files) and GceClient
// (HTTP) implement it, and everything above it (CLI, bake, rotate, deploy)
// is written against it alone.
//
// Conventions of every method:
//  - `project` is a project id; `zone` a zone name (local-a); a resource
//    argument (`image`, `disk`, `instance`, ...) is a name or a numeric id.
//  - A mutation returns the Operation that records it. A mutation that fails
//    validation returns the error and changes nothing. A mutation with the
//    `request_id` of an earlier one returns that earlier Operation and has no
//    further effect.
//  - Errors are Status values with GCE's reasons and HTTP codes.
//  - Implementations are safe to call from several threads and processes.
#ifndef IMAGO_COMPUTE_SERVICE_H_
#define IMAGO_COMPUTE_SERVICE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compute/status.h"
#include "compute/types.h"
#include "compute/vm_types.h"

namespace imago::compute {

/// Called with bytes done and bytes in all while a long mutation runs.
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

/// Options shared by every mutation.
struct MutationOptions {
  std::string request_id;  // A UUID, or empty.
  ProgressFn progress;     // Optional; may be ignored by remote implementations.
};

/// The fields `images.patch` may change; unset members stay as they are.
struct ImagePatch {
  std::optional<std::string> family;  // "" clears the family.
  std::optional<std::string> description;
  std::optional<DeprecationStatus> deprecated;  // state ACTIVE clears it.
};

class Service {
 public:
  virtual ~Service() = default;

  // --- images (global) ---

  /// Creates an image from exactly one source: `raw_disk.source` (a file),
  /// `source_image` (any ImageRef form, a family URL included: it is resolved
  /// now and recorded as sourceImage + sourceImageId), `source_disk` or
  /// `source_snapshot`. Output-only fields of `image` are ignored.
  /// A DEPRECATED source succeeds with a DEPRECATED_RESOURCE_USED warning on
  /// the Operation; an OBSOLETE or DELETED one is refused (400).
  virtual Result<Operation> InsertImage(const std::string& project, const Image& image,
                                        const MutationOptions& opts) = 0;
  virtual Result<Image> GetImage(const std::string& project, const std::string& image) = 0;
  /// The newest READY image of `family` that is not deprecated; 404 naming
  /// the family's path when there is none.
  virtual Result<Image> GetImageFromFamily(const std::string& project,
                                           const std::string& family) = 0;
  virtual Result<ListPage<Image>> ListImages(const std::string& project,
                                             const ListOptions& opts) = 0;
  virtual Result<Operation> DeleteImage(const std::string& project, const std::string& image,
                                        const MutationOptions& opts) = 0;
  /// Sets the deprecation status; nullopt (an empty body) or state ACTIVE
  /// clears it. `replacement`, when set, must name an existing image.
  virtual Result<Operation> DeprecateImage(const std::string& project, const std::string& image,
                                           const std::optional<DeprecationStatus>& status,
                                           const MutationOptions& opts) = 0;
  /// Replaces all labels. `fingerprint` must equal the image's current
  /// labelFingerprint, else 412 conditionNotMet.
  virtual Result<Operation> SetImageLabels(const std::string& project, const std::string& image,
                                           const Labels& labels, const std::string& fingerprint,
                                           const MutationOptions& opts) = 0;
  virtual Result<Operation> PatchImage(const std::string& project, const std::string& image,
                                       const ImagePatch& patch, const MutationOptions& opts) = 0;

  // --- global operations ---

  virtual Result<Operation> GetGlobalOperation(const std::string& project,
                                               const std::string& operation) = 0;
  /// Returns when the operation is DONE or a deadline near two minutes passes
  /// (then it may still be RUNNING: call again).
  virtual Result<Operation> WaitGlobalOperation(const std::string& project,
                                                const std::string& operation) = 0;
  virtual Result<ListPage<Operation>> ListGlobalOperations(const std::string& project,
                                                           const ListOptions& opts) = 0;
  virtual Status DeleteGlobalOperation(const std::string& project,
                                       const std::string& operation) = 0;

  // --- zones ---

  /// Every zone of the project, by name.
  virtual Result<std::vector<Zone>> ListZones(const std::string& project) = 0;

  // --- disks (zonal) ---

  /// Creates a disk from at most one source: `source_image` (any ImageRef
  /// form; a family is resolved now and recorded as sourceImage +
  /// sourceImageId), `source_snapshot`, or neither (a blank disk of
  /// `size_gb`). `size_gb` defaults to the source's size and may not be
  /// smaller. Source states are checked as for InsertImage.
  virtual Result<Operation> InsertDisk(const std::string& project, const std::string& zone,
                                       const Disk& disk, const MutationOptions& opts) = 0;
  virtual Result<Disk> GetDisk(const std::string& project, const std::string& zone,
                               const std::string& disk) = 0;
  virtual Result<ListPage<Disk>> ListDisks(const std::string& project, const std::string& zone,
                                           const ListOptions& opts) = 0;
  /// Refused with 400 resourceInUseByAnotherResource while the disk is
  /// attached to an instance.
  virtual Result<Operation> DeleteDisk(const std::string& project, const std::string& zone,
                                       const std::string& disk, const MutationOptions& opts) = 0;
  /// Makes the global snapshot `snapshot.name` of the disk's content as it
  /// is now (crash-consistent when an instance is writing to it).
  virtual Result<Operation> CreateSnapshot(const std::string& project, const std::string& zone,
                                           const std::string& disk, const Snapshot& snapshot,
                                           const MutationOptions& opts) = 0;

  // --- snapshots (global) ---

  virtual Result<Snapshot> GetSnapshot(const std::string& project, const std::string& snapshot) = 0;
  virtual Result<ListPage<Snapshot>> ListSnapshots(const std::string& project,
                                                   const ListOptions& opts) = 0;
  virtual Result<Operation> DeleteSnapshot(const std::string& project, const std::string& snapshot,
                                           const MutationOptions& opts) = 0;

  // --- instances (zonal) ---

  /// Creates and starts an instance. Exactly one disk has `boot`; each disk
  /// names an existing `source` disk or has `initialize_params` (a new disk,
  /// named after the instance unless `disk_name` says otherwise). On
  /// success the instance is RUNNING; on failure nothing it made remains.
  virtual Result<Operation> InsertInstance(const std::string& project, const std::string& zone,
                                           const Instance& instance,
                                           const MutationOptions& opts) = 0;
  virtual Result<Instance> GetInstance(const std::string& project, const std::string& zone,
                                       const std::string& instance) = 0;
  virtual Result<ListPage<Instance>> ListInstances(const std::string& project,
                                                   const std::string& zone,
                                                   const ListOptions& opts) = 0;
  /// Stops the instance and deletes it with the disks whose autoDelete is
  /// set; the other disks are detached and kept.
  virtual Result<Operation> DeleteInstance(const std::string& project, const std::string& zone,
                                           const std::string& instance,
                                           const MutationOptions& opts) = 0;
  /// TERMINATED -> RUNNING. Starting a RUNNING instance changes nothing.
  virtual Result<Operation> StartInstance(const std::string& project, const std::string& zone,
                                          const std::string& instance,
                                          const MutationOptions& opts) = 0;
  /// Asks the guest to power off (ACPI), then ends it after a grace period;
  /// the instance is TERMINATED and its disks keep their content.
  virtual Result<Operation> StopInstance(const std::string& project, const std::string& zone,
                                         const std::string& instance,
                                         const MutationOptions& opts) = 0;
  /// A hard reset of a RUNNING instance.
  virtual Result<Operation> ResetInstance(const std::string& project, const std::string& zone,
                                          const std::string& instance,
                                          const MutationOptions& opts) = 0;
  virtual Result<Operation> AttachDisk(const std::string& project, const std::string& zone,
                                       const std::string& instance, const AttachedDisk& disk,
                                       const MutationOptions& opts) = 0;
  virtual Result<Operation> DetachDisk(const std::string& project, const std::string& zone,
                                       const std::string& instance, const std::string& device_name,
                                       const MutationOptions& opts) = 0;
  /// Replaces the metadata items. `metadata.fingerprint` must equal the
  /// instance's current one, else 412 conditionNotMet.
  virtual Result<Operation> SetInstanceMetadata(const std::string& project, const std::string& zone,
                                                const std::string& instance,
                                                const Metadata& metadata,
                                                const MutationOptions& opts) = 0;
  /// The serial console from byte `start` on (port 1 only).
  virtual Result<SerialPortOutput> GetSerialPortOutput(const std::string& project,
                                                       const std::string& zone,
                                                       const std::string& instance, int port,
                                                       int64_t start) = 0;

  // --- zone operations ---

  virtual Result<Operation> GetZoneOperation(const std::string& project, const std::string& zone,
                                             const std::string& operation) = 0;
  virtual Result<Operation> WaitZoneOperation(const std::string& project, const std::string& zone,
                                              const std::string& operation) = 0;
  virtual Result<ListPage<Operation>> ListZoneOperations(const std::string& project,
                                                         const std::string& zone,
                                                         const ListOptions& opts) = 0;
  virtual Status DeleteZoneOperation(const std::string& project, const std::string& zone,
                                     const std::string& operation) = 0;
};

/// Every image of `project` that `opts` selects, reading page after page
/// (opts.page_token is where it starts). `calls`, when given, counts the
/// list calls made.
Result<std::vector<Image>> ListAllImages(Service& svc, const std::string& project,
                                         ListOptions opts = {}, int* calls = nullptr);
/// Every disk of `project` in `zone` that `opts` selects.
Result<std::vector<Disk>> ListAllDisks(Service& svc, const std::string& project,
                                       const std::string& zone, ListOptions opts = {});
Result<std::vector<Instance>> ListAllInstances(Service& svc, const std::string& project,
                                               const std::string& zone, ListOptions opts = {});
Result<std::vector<Snapshot>> ListAllSnapshots(Service& svc, const std::string& project,
                                               ListOptions opts = {});

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_SERVICE_H_
