// LocalCloud: the embedded compute::Service. The catalog is one SQLite file
// (WAL), image content lives in a content-addressed store, every mutation is
// journaled as an Operation. Several processes may share one home directory.
//
// Layout of the home directory:
//   catalog.db          the catalog (images, blobs, operations)
//   blobs/sha256/HEX    image content, read-only, named by its SHA-256
//   tmp/OPERATION       content being imported, flock()ed by its writer
//   store.lock          held while content files are published or unlinked
//   disks/ID.qcow2      a disk: copy-on-write over its image's or snapshot's content
//   run/ID/             a running instance: pid, qmp socket, serial.log, qemu.log
//   boot/DIGEST/        the kernel (and initrd) read out of a content file
//
// Instances are QEMU processes that outlive imago (daemonized); the catalog
// records their pid and run directory. Open() reconciles: an instance whose
// QEMU died is TERMINATED, a QEMU of this home no row owns is stopped, and
// a mutation whose process died half way (its tmp/OPERATION.lock is free)
// is undone.
//
// Crash safety: an import first journals a RUNNING operation and a PENDING
// image, then copies, then publishes and commits. Open() finds operations
// whose process died (their tmp lock is free) and undoes them: the PENDING
// image row, the temporary file and any published content no row refers to.
#ifndef IMAGO_LOCALCLOUD_LOCAL_CLOUD_H_
#define IMAGO_LOCALCLOUD_LOCAL_CLOUD_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "compute/resource_ref.h"
#include "compute/service.h"
#include "compute/time_util.h"
#include "localcloud/catalog.h"
#include "localcloud/content_store.h"
#include "localcloud/file_lock.h"

namespace imago::localcloud {

struct LocalCloudOptions {
  std::string home;                       // Created when missing.
  const compute::Clock* clock = nullptr;  // Not owned; nullptr: the system clock.
  std::string self_link_base = compute::kDefaultSelfLinkBase;
  std::string user = "imago@localhost";  // Operation.user.
  /// The zones instances and disks may live in.
  std::vector<std::string> zones = {"local-a", "local-b", "local-c"};
  /// The imago program QEMU runs (`PROGRAM __metadata ...`) for each guest
  /// connection to the metadata server. Empty: guests get no metadata server.
  std::string metadata_program;
  /// Run crash recovery and VM reconciliation on Open (the metadata server,
  /// which only reads, turns it off).
  bool recover = true;
  /// How long a stop waits for the guest to power off before ending it.
  std::chrono::milliseconds stop_grace = std::chrono::seconds(30);
  /// For crash tests: a step name ("instance-disks", "instance-launched")
  /// at which a mutation announces itself on stderr and sleeps, so that a
  /// test can kill the process exactly there. Empty in normal use.
  std::string pause_at;
};

/// What Open() cleaned up after earlier crashes.
struct RecoveryReport {
  int operations_undone = 0;
  int temp_files_removed = 0;
  int content_files_removed = 0;
  int instances_terminated = 0;  // Their QEMU had died.
  int orphan_vms_stopped = 0;    // QEMU processes no instance owned.
  bool empty() const {
    return operations_undone == 0 && temp_files_removed == 0 && content_files_removed == 0 &&
           instances_terminated == 0 && orphan_vms_stopped == 0;
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

  compute::Result<std::vector<compute::Zone>> ListZones(const std::string& project) override;

  compute::Result<compute::Operation> InsertDisk(const std::string& project,
                                                 const std::string& zone, const compute::Disk& disk,
                                                 const compute::MutationOptions& opts) override;
  compute::Result<compute::Disk> GetDisk(const std::string& project, const std::string& zone,
                                         const std::string& disk) override;
  compute::Result<compute::ListPage<compute::Disk>> ListDisks(
      const std::string& project, const std::string& zone,
      const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> DeleteDisk(const std::string& project,
                                                 const std::string& zone, const std::string& disk,
                                                 const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> CreateSnapshot(const std::string& project,
                                                     const std::string& zone,
                                                     const std::string& disk,
                                                     const compute::Snapshot& snapshot,
                                                     const compute::MutationOptions& opts) override;
  compute::Result<compute::Snapshot> GetSnapshot(const std::string& project,
                                                 const std::string& snapshot) override;
  compute::Result<compute::ListPage<compute::Snapshot>> ListSnapshots(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> DeleteSnapshot(const std::string& project,
                                                     const std::string& snapshot,
                                                     const compute::MutationOptions& opts) override;

  compute::Result<compute::Operation> InsertInstance(const std::string& project,
                                                     const std::string& zone,
                                                     const compute::Instance& instance,
                                                     const compute::MutationOptions& opts) override;
  compute::Result<compute::Instance> GetInstance(const std::string& project,
                                                 const std::string& zone,
                                                 const std::string& instance) override;
  compute::Result<compute::ListPage<compute::Instance>> ListInstances(
      const std::string& project, const std::string& zone,
      const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> DeleteInstance(const std::string& project,
                                                     const std::string& zone,
                                                     const std::string& instance,
                                                     const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> StartInstance(const std::string& project,
                                                    const std::string& zone,
                                                    const std::string& instance,
                                                    const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> StopInstance(const std::string& project,
                                                   const std::string& zone,
                                                   const std::string& instance,
                                                   const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> ResetInstance(const std::string& project,
                                                    const std::string& zone,
                                                    const std::string& instance,
                                                    const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> AttachDisk(const std::string& project,
                                                 const std::string& zone,
                                                 const std::string& instance,
                                                 const compute::AttachedDisk& disk,
                                                 const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> DetachDisk(const std::string& project,
                                                 const std::string& zone,
                                                 const std::string& instance,
                                                 const std::string& device_name,
                                                 const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> SetInstanceMetadata(
      const std::string& project, const std::string& zone, const std::string& instance,
      const compute::Metadata& metadata, const compute::MutationOptions& opts) override;
  compute::Result<compute::SerialPortOutput> GetSerialPortOutput(const std::string& project,
                                                                 const std::string& zone,
                                                                 const std::string& instance,
                                                                 int port, int64_t start) override;

  compute::Result<compute::Operation> GetZoneOperation(const std::string& project,
                                                       const std::string& zone,
                                                       const std::string& operation) override;
  compute::Result<compute::Operation> WaitZoneOperation(const std::string& project,
                                                        const std::string& zone,
                                                        const std::string& operation) override;
  compute::Result<compute::ListPage<compute::Operation>> ListZoneOperations(
      const std::string& project, const std::string& zone,
      const compute::ListOptions& opts) override;
  compute::Status DeleteZoneOperation(const std::string& project, const std::string& zone,
                                      const std::string& operation) override;

  /// Serves the metadata server connection of one guest on stdin/stdout
  /// (see metadata_server.h); `instance` is the instance's id.
  void ServeMetadata(const std::string& project, const std::string& zone,
                     const std::string& instance);
  /// The run directory of an instance (its QEMU's pid, sockets and logs).
  std::string RunDir(uint64_t instance_id) const;

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
                                             const MutateFn& fn, const std::string& zone = "");
  compute::Operation NewOperation(const std::string& project, const char* type,
                                  const std::string& request_id, const std::string& zone = "");
  // `parent`: the source is this cloud's own qcow2 delta over that blob,
  // which the new blob then depends on.
  compute::Result<compute::Operation> Import(const std::string& project, compute::Image image,
                                             const std::string& source,
                                             const compute::MutationOptions& opts,
                                             const std::string& parent = "");
  // Within a transaction: drops `digest` and, up its chain of parents, every
  // blob nothing uses any more, into the trash.
  compute::Status ReleaseContent(std::string digest);
  // Unlinks the trash's files, under the store lock (so that no import can
  // publish a file of the same content meanwhile).
  compute::Status CollectTrash();
  // Within a transaction: the row `image` names (name or id), or 404.
  compute::Result<ImageRow> LoadImage(const std::string& project, const std::string& image);
  compute::Result<ImageRow> LoadImageRef(const std::string& project, const compute::ImageRef& ref);
  // Within a transaction: resolves a reference used as a source; checks its state.
  compute::Result<ImageRow> ResolveSource(const std::string& project, const std::string& field,
                                          const std::string& text, compute::Operation* op);
  compute::Status ValidateDeprecation(const std::string& project, const ImageRow& target,
                                      compute::DeprecationStatus* d);
  // A long mutation in progress: its RUNNING operation is in the journal
  // with a `work` record saying how to undo it, and tmp/OPERATION.lock is
  // held so that recovery can tell its process is alive.
  struct Work {
    compute::Operation op;
    std::string project;
    FileLock lock;
    bool replayed = false;  // The request id was seen: `op` is the earlier operation.
  };
  using TxnFn = std::function<compute::Status(compute::Operation* op, compute::Json* work)>;
  // Journals a RUNNING operation: in one transaction, `fn` checks, inserts
  // what it needs and fills the work record.
  compute::Result<Work> BeginWork(const std::string& project, const std::string& zone,
                                  const char* type, const compute::MutationOptions& opts,
                                  const TxnFn& fn);
  // Runs `fn` in a transaction that also marks the operation DONE.
  compute::Result<compute::Operation> EndWork(Work& w, const std::function<compute::Status()>& fn);
  // Undoes the work record and marks the operation failed with `why`; returns `why`.
  compute::Status FailWork(Work& w, const compute::Status& why, const compute::Json& work);
  // Undoes what a work record names (rows, files, processes). Within no transaction.
  compute::Status UndoWork(const std::string& project, const compute::Json& work);
  compute::Status ReconcileVms(RecoveryReport* report);

  // Sleeps at `step` when options_.pause_at names it (crash tests).
  void MaybePause(const char* step) const;
  compute::Status CheckZone(const std::string& project, const std::string& zone) const;
  std::string ZoneLink(const std::string& project, const std::string& zone) const;
  // Within a transaction: the row, or 404 naming its path.
  compute::Result<ResourceRow> LoadRow(const char* kind, const char* collection,
                                       const std::string& project, const std::string& zone,
                                       const std::string& name);
  // Within a transaction: the snapshot a disk or image names as its source.
  compute::Result<ResourceRow> ResolveSnapshot(const std::string& project, const std::string& field,
                                               const std::string& text);
  // Within a transaction: a new disk row (CREATING) from `disk`'s source.
  compute::Result<ResourceRow> NewDiskRow(const std::string& project, const std::string& zone,
                                          const compute::Disk& disk, const std::string& field,
                                          compute::Operation* op);
  // Creates the qcow2 file of a disk row.
  compute::Status CreateDiskFile(const ResourceRow& disk);
  // Boots an instance row: kernel, ports, QEMU. Fills pid and ports.
  compute::Status BootInstance(const std::string& project, compute::Instance* instance,
                               ResourceRow* row);
  // Marks a RUNNING row whose QEMU died TERMINATED (within no transaction).
  compute::Status RefreshInstance(ResourceRow* row);
  // The same within a write transaction.
  compute::Status MarkDeadLocked(ResourceRow* row);
  compute::Result<compute::Operation> InstanceStateChange(const std::string& project,
                                                          const std::string& zone,
                                                          const std::string& instance,
                                                          const char* type,
                                                          const compute::MutationOptions& opts);
  compute::Result<compute::Operation> GetZonalOp(const std::string& project,
                                                 const std::string& zone,
                                                 const std::string& operation);
  compute::Result<compute::Operation> ImageFromDisk(const std::string& project,
                                                    compute::Image image,
                                                    const compute::MutationOptions& opts);
  // Polls `get` until the operation is DONE or a deadline near two minutes passes.
  compute::Result<compute::Operation> WaitUntilDone(
      const std::function<compute::Result<compute::Operation>()>& get);
  // The operations of `zone` ("" for the global ones), a page.
  compute::Result<compute::ListPage<compute::Operation>> ListOperationsIn(
      const std::string& project, const std::string& zone, const compute::ListOptions& opts);
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
