// CountingService: a compute::Service that forwards every call to another
// one and counts the calls by method. For benchmarks and tests that check
// how many calls a component makes (e.g. the rotator's "changes plus list
// calls"); it changes nothing else.
#ifndef IMAGO_COMPUTE_COUNTING_SERVICE_H_
#define IMAGO_COMPUTE_COUNTING_SERVICE_H_

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "compute/service.h"

namespace imago::compute {

class CountingService final : public Service {
 public:
  explicit CountingService(Service& inner) : inner_(inner) {}

  /// Calls of `method` ("images.list", "images.deprecate", ...) so far.
  int Count(const std::string& method) const {
    std::lock_guard l(mu_);
    auto it = counts_.find(method);
    return it == counts_.end() ? 0 : it->second;
  }
  int Total() const {
    std::lock_guard l(mu_);
    int n = 0;
    for (const auto& [m, c] : counts_) n += c;
    return n;
  }
  void Reset() {
    std::lock_guard l(mu_);
    counts_.clear();
  }

  Result<Operation> InsertImage(const std::string& p, const Image& i,
                                const MutationOptions& o) override {
    Add("images.insert");
    return inner_.InsertImage(p, i, o);
  }
  Result<Image> GetImage(const std::string& p, const std::string& i) override {
    Add("images.get");
    return inner_.GetImage(p, i);
  }
  Result<Image> GetImageFromFamily(const std::string& p, const std::string& f) override {
    Add("images.getFromFamily");
    return inner_.GetImageFromFamily(p, f);
  }
  Result<ListPage<Image>> ListImages(const std::string& p, const ListOptions& o) override {
    Add("images.list");
    return inner_.ListImages(p, o);
  }
  Result<Operation> DeleteImage(const std::string& p, const std::string& i,
                                const MutationOptions& o) override {
    Add("images.delete");
    return inner_.DeleteImage(p, i, o);
  }
  Result<Operation> DeprecateImage(const std::string& p, const std::string& i,
                                   const std::optional<DeprecationStatus>& s,
                                   const MutationOptions& o) override {
    Add("images.deprecate");
    return inner_.DeprecateImage(p, i, s, o);
  }
  Result<Operation> SetImageLabels(const std::string& p, const std::string& i, const Labels& l,
                                   const std::string& f, const MutationOptions& o) override {
    Add("images.setLabels");
    return inner_.SetImageLabels(p, i, l, f, o);
  }
  Result<Operation> PatchImage(const std::string& p, const std::string& i, const ImagePatch& x,
                               const MutationOptions& o) override {
    Add("images.patch");
    return inner_.PatchImage(p, i, x, o);
  }
  Result<Operation> GetGlobalOperation(const std::string& p, const std::string& o) override {
    Add("globalOperations.get");
    return inner_.GetGlobalOperation(p, o);
  }
  Result<Operation> WaitGlobalOperation(const std::string& p, const std::string& o) override {
    Add("globalOperations.wait");
    return inner_.WaitGlobalOperation(p, o);
  }
  Result<ListPage<Operation>> ListGlobalOperations(const std::string& p,
                                                   const ListOptions& o) override {
    Add("globalOperations.list");
    return inner_.ListGlobalOperations(p, o);
  }
  Status DeleteGlobalOperation(const std::string& p, const std::string& o) override {
    Add("globalOperations.delete");
    return inner_.DeleteGlobalOperation(p, o);
  }

  // The VM resources: forwarded and counted the same way.
  Result<std::vector<Zone>> ListZones(const std::string& p) override {
    Add("zones.list");
    return inner_.ListZones(p);
  }
  Result<Operation> InsertDisk(const std::string& p, const std::string& z, const Disk& d,
                               const MutationOptions& o) override {
    Add("disks.insert");
    return inner_.InsertDisk(p, z, d, o);
  }
  Result<Disk> GetDisk(const std::string& p, const std::string& z, const std::string& d) override {
    Add("disks.get");
    return inner_.GetDisk(p, z, d);
  }
  Result<ListPage<Disk>> ListDisks(const std::string& p, const std::string& z,
                                   const ListOptions& o) override {
    Add("disks.list");
    return inner_.ListDisks(p, z, o);
  }
  Result<Operation> DeleteDisk(const std::string& p, const std::string& z, const std::string& d,
                               const MutationOptions& o) override {
    Add("disks.delete");
    return inner_.DeleteDisk(p, z, d, o);
  }
  Result<Operation> CreateSnapshot(const std::string& p, const std::string& z, const std::string& d,
                                   const Snapshot& s, const MutationOptions& o) override {
    Add("disks.createSnapshot");
    return inner_.CreateSnapshot(p, z, d, s, o);
  }
  Result<Snapshot> GetSnapshot(const std::string& p, const std::string& s) override {
    Add("snapshots.get");
    return inner_.GetSnapshot(p, s);
  }
  Result<ListPage<Snapshot>> ListSnapshots(const std::string& p, const ListOptions& o) override {
    Add("snapshots.list");
    return inner_.ListSnapshots(p, o);
  }
  Result<Operation> DeleteSnapshot(const std::string& p, const std::string& s,
                                   const MutationOptions& o) override {
    Add("snapshots.delete");
    return inner_.DeleteSnapshot(p, s, o);
  }
  Result<Operation> InsertInstance(const std::string& p, const std::string& z, const Instance& i,
                                   const MutationOptions& o) override {
    Add("instances.insert");
    return inner_.InsertInstance(p, z, i, o);
  }
  Result<Instance> GetInstance(const std::string& p, const std::string& z,
                               const std::string& i) override {
    Add("instances.get");
    return inner_.GetInstance(p, z, i);
  }
  Result<ListPage<Instance>> ListInstances(const std::string& p, const std::string& z,
                                           const ListOptions& o) override {
    Add("instances.list");
    return inner_.ListInstances(p, z, o);
  }
  Result<Operation> DeleteInstance(const std::string& p, const std::string& z, const std::string& i,
                                   const MutationOptions& o) override {
    Add("instances.delete");
    return inner_.DeleteInstance(p, z, i, o);
  }
  Result<Operation> StartInstance(const std::string& p, const std::string& z, const std::string& i,
                                  const MutationOptions& o) override {
    Add("instances.start");
    return inner_.StartInstance(p, z, i, o);
  }
  Result<Operation> StopInstance(const std::string& p, const std::string& z, const std::string& i,
                                 const MutationOptions& o) override {
    Add("instances.stop");
    return inner_.StopInstance(p, z, i, o);
  }
  Result<Operation> ResetInstance(const std::string& p, const std::string& z, const std::string& i,
                                  const MutationOptions& o) override {
    Add("instances.reset");
    return inner_.ResetInstance(p, z, i, o);
  }
  Result<Operation> AttachDisk(const std::string& p, const std::string& z, const std::string& i,
                               const AttachedDisk& d, const MutationOptions& o) override {
    Add("instances.attachDisk");
    return inner_.AttachDisk(p, z, i, d, o);
  }
  Result<Operation> DetachDisk(const std::string& p, const std::string& z, const std::string& i,
                               const std::string& device, const MutationOptions& o) override {
    Add("instances.detachDisk");
    return inner_.DetachDisk(p, z, i, device, o);
  }
  Result<Operation> SetInstanceMetadata(const std::string& p, const std::string& z,
                                        const std::string& i, const Metadata& m,
                                        const MutationOptions& o) override {
    Add("instances.setMetadata");
    return inner_.SetInstanceMetadata(p, z, i, m, o);
  }
  Result<SerialPortOutput> GetSerialPortOutput(const std::string& p, const std::string& z,
                                               const std::string& i, int port,
                                               int64_t start) override {
    Add("instances.getSerialPortOutput");
    return inner_.GetSerialPortOutput(p, z, i, port, start);
  }
  Result<Operation> GetZoneOperation(const std::string& p, const std::string& z,
                                     const std::string& op) override {
    Add("zoneOperations.get");
    return inner_.GetZoneOperation(p, z, op);
  }
  Result<Operation> WaitZoneOperation(const std::string& p, const std::string& z,
                                      const std::string& op) override {
    Add("zoneOperations.wait");
    return inner_.WaitZoneOperation(p, z, op);
  }
  Result<ListPage<Operation>> ListZoneOperations(const std::string& p, const std::string& z,
                                                 const ListOptions& o) override {
    Add("zoneOperations.list");
    return inner_.ListZoneOperations(p, z, o);
  }
  Status DeleteZoneOperation(const std::string& p, const std::string& z,
                             const std::string& op) override {
    Add("zoneOperations.delete");
    return inner_.DeleteZoneOperation(p, z, op);
  }

 private:
  void Add(const char* m) {
    std::lock_guard l(mu_);
    ++counts_[m];
  }
  Service& inner_;
  mutable std::mutex mu_;
  std::map<std::string, int> counts_;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_COUNTING_SERVICE_H_
