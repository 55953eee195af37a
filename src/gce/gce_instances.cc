#include "gce/gce_instances.h"

#include "compute/vm_codec.h"

namespace imago::gce {

using compute::Instance;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;

namespace {

std::string InstancesPath(const std::string& project, const std::string& zone) {
  return ZonePath(project, zone) + "instances";
}
std::string One(const std::string& project, const std::string& zone, const std::string& instance) {
  return InstancesPath(project, zone) + "/" + UrlEncode(instance);
}
Result<Instance> ReadInstance(const Json& x) {
  return compute::InstanceFromJson(x);
}

}  // namespace

Result<Operation> GceInstances::Insert(const std::string& project, const std::string& zone,
                                       const Instance& instance, const MutationOptions& opts) {
  Json body = compute::ToJson(instance);
  body.erase("forwardedPorts");  // Output only, and not a GCE field.
  return c_.Mutate("POST", InstancesPath(project, zone), {}, &body, opts);
}

Result<Instance> GceInstances::Get(const std::string& project, const std::string& zone,
                                   const std::string& instance) {
  auto j = c_.Get(One(project, zone, instance));
  if (!j.ok()) return j.status();
  return ReadAnswer<Instance>(*j, ReadInstance);
}

Result<ListPage<Instance>> GceInstances::List(const std::string& project, const std::string& zone,
                                              const ListOptions& opts) {
  auto j = c_.Get(InstancesPath(project, zone), ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadPage<Instance>(*j, ReadInstance);
}

Result<compute::AggregatedPage<Instance>> GceInstances::AggregatedList(const std::string& project,
                                                                       const ListOptions& opts) {
  auto j = c_.Get(ProjectPath(project) + "aggregated/instances", ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadAggregated<Instance>(*j, "instances", ReadInstance);
}

Result<Operation> GceInstances::Delete(const std::string& project, const std::string& zone,
                                       const std::string& instance, const MutationOptions& opts) {
  return c_.Mutate("DELETE", One(project, zone, instance), {}, nullptr, opts);
}

Result<Operation> GceInstances::Start(const std::string& project, const std::string& zone,
                                      const std::string& instance, const MutationOptions& opts) {
  return c_.Mutate("POST", One(project, zone, instance) + "/start", {}, nullptr, opts);
}

Result<Operation> GceInstances::Stop(const std::string& project, const std::string& zone,
                                     const std::string& instance, const MutationOptions& opts) {
  return c_.Mutate("POST", One(project, zone, instance) + "/stop", {}, nullptr, opts);
}

Result<Operation> GceInstances::Reset(const std::string& project, const std::string& zone,
                                      const std::string& instance, const MutationOptions& opts) {
  return c_.Mutate("POST", One(project, zone, instance) + "/reset", {}, nullptr, opts);
}

Result<Operation> GceInstances::AttachDisk(const std::string& project, const std::string& zone,
                                           const std::string& instance,
                                           const compute::AttachedDisk& disk,
                                           const MutationOptions& opts) {
  Json body = compute::ToJson(disk);
  return c_.Mutate("POST", One(project, zone, instance) + "/attachDisk", {}, &body, opts);
}

Result<Operation> GceInstances::DetachDisk(const std::string& project, const std::string& zone,
                                           const std::string& instance,
                                           const std::string& device_name,
                                           const MutationOptions& opts) {
  return c_.Mutate("POST", One(project, zone, instance) + "/detachDisk",
                   {{"deviceName", device_name}}, nullptr, opts);
}

Result<Operation> GceInstances::SetMetadata(const std::string& project, const std::string& zone,
                                            const std::string& instance,
                                            const compute::Metadata& metadata,
                                            const MutationOptions& opts) {
  Json body = compute::ToJson(metadata);
  return c_.Mutate("POST", One(project, zone, instance) + "/setMetadata", {}, &body, opts);
}

Result<Operation> GceInstances::SetDeletionProtection(const std::string& project,
                                                      const std::string& zone,
                                                      const std::string& instance, bool protect,
                                                      const MutationOptions& opts) {
  return c_.Mutate("POST", One(project, zone, instance) + "/setDeletionProtection",
                   {{"deletionProtection", protect ? "true" : "false"}}, nullptr, opts);
}

Result<compute::SerialPortOutput> GceInstances::GetSerialPortOutput(const std::string& project,
                                                                    const std::string& zone,
                                                                    const std::string& instance,
                                                                    int port, int64_t start) {
  auto j = c_.Get(One(project, zone, instance) + "/serialPort",
                  {{"port", std::to_string(port)}, {"start", std::to_string(start)}});
  if (!j.ok()) return j.status();
  return ReadAnswer<compute::SerialPortOutput>(
      *j, [](const Json& x) { return compute::SerialPortOutputFromJson(x); });
}

}  // namespace imago::gce
