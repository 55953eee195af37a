// FakeInstances: compute::Instances in memory, for the tests of the
// modules above the waist that act on instances (the group controller, the
// load balancer): an instance "boots" at once (RUNNING), carries the
// metadata and forwarded ports it was given, and can be killed. Thread-safe.
#ifndef IMAGO_TESTENV_FAKE_INSTANCES_H_
#define IMAGO_TESTENV_FAKE_INSTANCES_H_

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "compute/instances.h"
#include "compute/resource_ref.h"

namespace imago::testenv {

using compute::Instance;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Status;

inline Operation Done() {
  Operation op;
  op.status = "DONE";
  return op;
}

/// Instances in memory; thread-safe (the controller acts in parallel).
class FakeInstances final : public compute::Instances {
 public:
  Result<Operation> Insert(const std::string&, const std::string& z, const Instance& in,
                           const MutationOptions&) override {
    std::lock_guard l(mu_);
    if (vms_.count(in.name)) return Status::ResourceExists("instances/" + in.name);
    Instance made = in;
    made.status = "RUNNING";
    made.self_link = "https://x/compute/v1/projects/local/zones/" + z + "/instances/" + in.name;
    made.id = ++next_id_;
    made.creation_timestamp = "2026-11-28T00:00:00Z";
    made.zone = z;
    vms_[in.name] = made;
    ++inserts_;
    return Done();
  }
  Result<Instance> Get(const std::string& p, const std::string& z,
                       const std::string& name) override {
    std::lock_guard l(mu_);
    auto it = vms_.find(name);
    if (it == vms_.end())
      return Status::ResourceNotFound(compute::ZonalPath(p, z, "instances", name));
    return it->second;
  }
  Result<ListPage<Instance>> List(const std::string&, const std::string& z,
                                  const ListOptions&) override {
    std::lock_guard l(mu_);
    ListPage<Instance> page;
    for (const auto& [n, in] : vms_) {
      if (in.zone == z) page.items.push_back(in);
    }
    return page;
  }
  Result<compute::AggregatedPage<Instance>> AggregatedList(const std::string&,
                                                           const ListOptions&) override {
    return Status::Invalid("not in this fake");
  }
  Result<Operation> Delete(const std::string& p, const std::string& z, const std::string& name,
                           const MutationOptions&) override {
    std::lock_guard l(mu_);
    if (!vms_.erase(name))
      return Status::ResourceNotFound(compute::ZonalPath(p, z, "instances", name));
    ++deletes_;
    // The surge bound: never more than `most_` instances at any moment.
    return Done();
  }
  Result<Operation> Start(const std::string&, const std::string&, const std::string&,
                          const MutationOptions&) override {
    return Done();
  }
  Result<Operation> Stop(const std::string&, const std::string&, const std::string&,
                         const MutationOptions&) override {
    return Done();
  }
  Result<Operation> Reset(const std::string&, const std::string&, const std::string&,
                          const MutationOptions&) override {
    return Done();
  }
  Result<Operation> AttachDisk(const std::string&, const std::string&, const std::string&,
                               const compute::AttachedDisk&, const MutationOptions&) override {
    return Done();
  }
  Result<Operation> DetachDisk(const std::string&, const std::string&, const std::string&,
                               const std::string&, const MutationOptions&) override {
    return Done();
  }
  Result<Operation> SetMetadata(const std::string&, const std::string&, const std::string&,
                                const compute::Metadata&, const MutationOptions&) override {
    return Done();
  }
  Result<Operation> SetDeletionProtection(const std::string&, const std::string&,
                                          const std::string&, bool,
                                          const MutationOptions&) override {
    return Done();
  }
  Result<compute::SerialPortOutput> GetSerialPortOutput(const std::string&, const std::string&,
                                                        const std::string&, int, int64_t) override {
    return compute::SerialPortOutput{};
  }

  void Kill(const std::string& name) {
    std::lock_guard l(mu_);
    vms_.at(name).status = "TERMINATED";
  }
  std::vector<std::string> Names() {
    std::lock_guard l(mu_);
    std::vector<std::string> out;
    for (const auto& [n, in] : vms_) out.push_back(n);
    return out;
  }
  std::string TemplateOf(const std::string& name) {
    std::lock_guard l(mu_);
    return vms_.at(name).metadata.Get("instance-template").value_or("");
  }

  std::mutex mu_;
  std::map<std::string, Instance> vms_;
  uint64_t next_id_ = 100;
  int inserts_ = 0, deletes_ = 0;
};

}  // namespace imago::testenv

#endif  // IMAGO_TESTENV_FAKE_INSTANCES_H_
