// compute::Instances: virtual machines (compute/v1 instances).
#ifndef IMAGO_COMPUTE_INSTANCES_H_
#define IMAGO_COMPUTE_INSTANCES_H_

#include <cstdint>
#include <string>

#include "compute/status.h"
#include "compute/types.h"
#include "compute/vm_types.h"

namespace imago::compute {

class Instances {
 public:
  virtual ~Instances() = default;

  /// Creates and starts an instance. Exactly one disk has `boot` (the first
  /// when none says so); each disk names an existing READY `source` disk of
  /// the zone that no instance uses, or has `initialize_params` (a new disk,
  /// named after the instance unless `disk_name` says otherwise). On
  /// success the instance is RUNNING; on failure nothing it made remains
  /// and the disks it was given are free again.
  virtual Result<Operation> Insert(const std::string& project, const std::string& zone,
                                   const Instance& instance, const MutationOptions& opts) = 0;
  /// The instance as it is now: an instance whose VM has ended is TERMINATED.
  virtual Result<Instance> Get(const std::string& project, const std::string& zone,
                               const std::string& instance) = 0;
  virtual Result<ListPage<Instance>> List(const std::string& project, const std::string& zone,
                                          const ListOptions& opts) = 0;
  /// The instances of every zone of the project, a page at a time.
  virtual Result<AggregatedPage<Instance>> AggregatedList(const std::string& project,
                                                          const ListOptions& opts) = 0;
  /// Stops the instance and deletes it with the disks whose autoDelete is
  /// set; the other disks are detached and kept. 400 invalidResourceUsage,
  /// changing nothing, while its deletionProtection is set.
  virtual Result<Operation> Delete(const std::string& project, const std::string& zone,
                                   const std::string& instance, const MutationOptions& opts) = 0;
  /// TERMINATED -> RUNNING. Starting a RUNNING instance changes nothing.
  /// 400 resourceNotReady while it is PROVISIONING, STAGING or STOPPING.
  virtual Result<Operation> Start(const std::string& project, const std::string& zone,
                                  const std::string& instance, const MutationOptions& opts) = 0;
  /// Asks the guest to power off (ACPI), then ends it after a grace period;
  /// the instance is TERMINATED and its disks keep their content.
  virtual Result<Operation> Stop(const std::string& project, const std::string& zone,
                                 const std::string& instance, const MutationOptions& opts) = 0;
  /// A hard reset of a RUNNING instance (400 resourceNotReady otherwise).
  virtual Result<Operation> Reset(const std::string& project, const std::string& zone,
                                  const std::string& instance, const MutationOptions& opts) = 0;
  /// Attaches the READY disk `disk.source` (of the instance's zone, used by
  /// no instance) as a data disk. The local cloud attaches to TERMINATED
  /// instances only (400 resourceNotReady for a running one, saying to stop
  /// it); GCE attaches to running ones too.
  virtual Result<Operation> AttachDisk(const std::string& project, const std::string& zone,
                                       const std::string& instance, const AttachedDisk& disk,
                                       const MutationOptions& opts) = 0;
  /// Detaches the data disk `device_name` (never the boot disk); the disk
  /// is kept. The local cloud detaches from TERMINATED instances only.
  virtual Result<Operation> DetachDisk(const std::string& project, const std::string& zone,
                                       const std::string& instance, const std::string& device_name,
                                       const MutationOptions& opts) = 0;
  /// Replaces the metadata items. `metadata.fingerprint` must equal the
  /// instance's current one, else 412 conditionNotMet. A running guest sees
  /// the new values on its next metadata request.
  virtual Result<Operation> SetMetadata(const std::string& project, const std::string& zone,
                                        const std::string& instance, const Metadata& metadata,
                                        const MutationOptions& opts) = 0;
  /// Sets or clears deletionProtection: while it is set, Delete refuses.
  virtual Result<Operation> SetDeletionProtection(const std::string& project,
                                                  const std::string& zone,
                                                  const std::string& instance, bool protect,
                                                  const MutationOptions& opts) = 0;
  /// The serial console from byte `start` on (negative: from the end), at
  /// most 1 MiB; `next` is where the next call starts.
  virtual Result<SerialPortOutput> GetSerialPortOutput(const std::string& project,
                                                       const std::string& zone,
                                                       const std::string& instance, int port,
                                                       int64_t start) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_INSTANCES_H_
