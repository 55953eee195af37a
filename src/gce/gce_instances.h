// GceInstances: compute::Instances over the REST API (projects/P/zones/Z/instances).
#ifndef IMAGO_GCE_GCE_INSTANCES_H_
#define IMAGO_GCE_GCE_INSTANCES_H_

#include <string>

#include "compute/instances.h"
#include "gce/api_caller.h"

namespace imago::gce {

class GceInstances final : public compute::Instances {
 public:
  explicit GceInstances(ApiCaller& caller) : c_(caller) {}
  GceInstances(const GceInstances&) = delete;
  GceInstances& operator=(const GceInstances&) = delete;

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

 private:
  ApiCaller& c_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_INSTANCES_H_
