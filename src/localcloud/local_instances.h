// LocalInstances: the local cloud's virtual machines. An instance is a QEMU
// process that outlives imago (a daemon in HOME/run/ID); the catalog
// records its pid, and every read checks that the VM still runs (an
// instance whose VM ended is TERMINATED).
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LOCAL_INSTANCES_H_
#define IMAGO_LOCALCLOUD_LOCAL_INSTANCES_H_

#include <string>

#include "compute/instances.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

class LocalDisks;

class LocalInstances final : public compute::Instances {
 public:
  LocalInstances(LocalStore& store, LocalDisks& disks) : s_(store), disks_(disks) {}
  LocalInstances(const LocalInstances&) = delete;
  LocalInstances& operator=(const LocalInstances&) = delete;

  compute::Result<compute::Operation> Insert(const std::string& project, const std::string& zone,
                                             const compute::Instance& instance,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::Instance> Get(const std::string& project, const std::string& zone,
                                         const std::string& instance) override;
  compute::Result<compute::ListPage<compute::Instance>> List(
      const std::string& project, const std::string& zone,
      const compute::ListOptions& opts) override;
  compute::Result<compute::AggregatedPage<compute::Instance>> AggregatedList(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> Delete(const std::string& project, const std::string& zone,
                                             const std::string& instance,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Start(const std::string& project, const std::string& zone,
                                            const std::string& instance,
                                            const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Stop(const std::string& project, const std::string& zone,
                                           const std::string& instance,
                                           const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Reset(const std::string& project, const std::string& zone,
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
  compute::Result<compute::Operation> SetMetadata(const std::string& project,
                                                  const std::string& zone,
                                                  const std::string& instance,
                                                  const compute::Metadata& metadata,
                                                  const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> SetDeletionProtection(
      const std::string& project, const std::string& zone, const std::string& instance,
      bool protect, const compute::MutationOptions& opts) override;
  compute::Result<compute::SerialPortOutput> GetSerialPortOutput(const std::string& project,
                                                                 const std::string& zone,
                                                                 const std::string& instance,
                                                                 int port, int64_t start) override;

  /// Serves the metadata server connection of one guest on stdin/stdout
  /// (see metadata_server.h); `instance` is the instance's id.
  void ServeMetadata(const std::string& project, const std::string& zone,
                     const std::string& instance);

  /// Marks a RUNNING row whose QEMU died TERMINATED (takes the lock itself).
  compute::Status Refresh(ResourceRow* row);

 private:
  /// In a catalog transaction: takes disk `*it` off `in` (row `row`), frees
  /// the disk and records it in `op`. Both detach and ForgetDisk end so.
  compute::Status TakeOffLocked(const std::string& project, const std::string& zone,
                                ResourceRow* row, compute::Instance* in,
                                std::vector<compute::AttachedDisk>::iterator it,
                                compute::Operation* op);
  /// Takes disk `device_name` off `instance` in the catalog only (the undo of
  /// an attach that QEMU refused). OK when it is not attached.
  compute::Status ForgetDisk(const std::string& project, const std::string& zone,
                             const std::string& instance, const std::string& device_name);
  // start, stop, reset and delete share one shape: journal, act on QEMU, record.
  compute::Result<compute::Operation> StateChange(const std::string& project,
                                                  const std::string& zone,
                                                  const std::string& instance, const char* type,
                                                  const compute::MutationOptions& opts);
  // Boots the instance of `row` (kernel, ports, QEMU); fills its pid, ports
  // and start time.
  compute::Status Boot(const std::string& project, compute::Instance* instance, ResourceRow* row);
  // With the lock held, in a write transaction: Refresh.
  compute::Status MarkDeadLocked(ResourceRow* row);

  LocalStore& s_;
  LocalDisks& disks_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_INSTANCES_H_
