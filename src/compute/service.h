// compute::Service: the waist of imago. The Compute Engine v1 API as one
// small C++ interface per collection (images.h, disks.h, instances.h, ...),
// the shape of the REST API and of Google's own client libraries; Service
// hands them out. LocalCloud (embedded, SQLite + files + QEMU) and GceClient
// (HTTP) implement it, and everything above it (CLI, bake, rotate, deploy)
// is written against it alone.
//
// Conventions of every method of every collection:
//  - `project` is a project id; `zone` a zone name (local-a); a resource
//    argument (`image`, `disk`, `instance`, ...) is a name or a numeric id.
//  - A mutation returns the Operation that records it, DONE. A mutation that
//    fails validation returns the error and changes nothing. A mutation
//    with the `request_id` of an earlier one returns that earlier Operation
//    and has no further effect.
//  - Errors are Status values with GCE's reasons and HTTP codes: 400 naming
//    the field for a bad value, 404 naming the resource's path, 409 for a
//    taken name, 412 for a stale fingerprint, 503 when trying again may work.
//  - Implementations are safe to call from several threads and processes.
//  - A collection object lives as long as the Service that handed it out.
#ifndef IMAGO_COMPUTE_SERVICE_H_
#define IMAGO_COMPUTE_SERVICE_H_

#include <string>
#include <vector>

#include "compute/autoscalers.h"
#include "compute/backend_services.h"
#include "compute/disks.h"
#include "compute/global_forwarding_rules.h"
#include "compute/health_checks.h"
#include "compute/images.h"
#include "compute/instance_group_managers.h"
#include "compute/instance_groups.h"
#include "compute/instance_templates.h"
#include "compute/instances.h"
#include "compute/machine_types.h"
#include "compute/operations.h"
#include "compute/projects.h"
#include "compute/regions.h"
#include "compute/snapshots.h"
#include "compute/status.h"
#include "compute/target_http_proxies.h"
#include "compute/url_maps.h"
#include "compute/zones.h"

namespace imago::compute {

class Service {
 public:
  virtual ~Service() = default;

  virtual Images& images() = 0;
  virtual Disks& disks() = 0;
  virtual Snapshots& snapshots() = 0;
  virtual Instances& instances() = 0;
  virtual Operations& operations() = 0;
  virtual Zones& zones() = 0;
  virtual Regions& regions() = 0;
  virtual MachineTypes& machine_types() = 0;
  virtual Projects& projects() = 0;
  virtual InstanceTemplates& instance_templates() = 0;
  virtual HealthChecks& health_checks() = 0;
  virtual InstanceGroupManagers& instance_group_managers() = 0;
  /// Where a controller running this cloud's groups reports (the local
  /// cloud); nullptr for a cloud that runs its own groups (GCE).
  virtual GroupRuntime* group_runtime() { return nullptr; }
  virtual InstanceGroups& instance_groups() = 0;
  virtual Autoscalers& autoscalers() = 0;
  virtual BackendServices& backend_services() = 0;
  virtual UrlMaps& url_maps() = 0;
  virtual TargetHttpProxies& target_http_proxies() = 0;
  virtual GlobalForwardingRules& global_forwarding_rules() = 0;
  /// Where the local cloud's load balancer reports; nullptr elsewhere.
  virtual LoadBalancerRuntime* load_balancer_runtime() { return nullptr; }
};

/// A Service made of another one's collections, any of which can be
/// replaced: how a test puts a fake collection (or a counting one) beside
/// real ones. The collections given are not owned and must outlive it.
class ComposedService final : public Service {
 public:
  explicit ComposedService(Service& base);
  ComposedService(const ComposedService&) = delete;
  ComposedService& operator=(const ComposedService&) = delete;

  ComposedService& Use(Images& c) {
    images_ = &c;
    return *this;
  }
  ComposedService& Use(Disks& c) {
    disks_ = &c;
    return *this;
  }
  ComposedService& Use(Snapshots& c) {
    snapshots_ = &c;
    return *this;
  }
  ComposedService& Use(Instances& c) {
    instances_ = &c;
    return *this;
  }
  ComposedService& Use(Operations& c) {
    operations_ = &c;
    return *this;
  }
  ComposedService& Use(InstanceTemplates& c) {
    instance_templates_ = &c;
    return *this;
  }
  ComposedService& Use(HealthChecks& c) {
    health_checks_ = &c;
    return *this;
  }
  /// The groups and, when given, where their controller reports.
  ComposedService& Use(InstanceGroupManagers& c, GroupRuntime* runtime) {
    instance_group_managers_ = &c;
    group_runtime_ = runtime;
    return *this;
  }

  Images& images() override { return *images_; }
  Disks& disks() override { return *disks_; }
  Snapshots& snapshots() override { return *snapshots_; }
  Instances& instances() override { return *instances_; }
  Operations& operations() override { return *operations_; }
  Zones& zones() override { return base_.zones(); }
  Regions& regions() override { return base_.regions(); }
  MachineTypes& machine_types() override { return base_.machine_types(); }
  Projects& projects() override { return base_.projects(); }
  InstanceTemplates& instance_templates() override { return *instance_templates_; }
  HealthChecks& health_checks() override { return *health_checks_; }
  InstanceGroupManagers& instance_group_managers() override { return *instance_group_managers_; }
  GroupRuntime* group_runtime() override { return group_runtime_; }
  InstanceGroups& instance_groups() override { return base_.instance_groups(); }
  Autoscalers& autoscalers() override { return base_.autoscalers(); }
  BackendServices& backend_services() override { return base_.backend_services(); }
  UrlMaps& url_maps() override { return base_.url_maps(); }
  TargetHttpProxies& target_http_proxies() override { return base_.target_http_proxies(); }
  GlobalForwardingRules& global_forwarding_rules() override {
    return base_.global_forwarding_rules();
  }
  LoadBalancerRuntime* load_balancer_runtime() override { return base_.load_balancer_runtime(); }

 private:
  Service& base_;
  Images* images_;
  Disks* disks_;
  Snapshots* snapshots_;
  Instances* instances_;
  Operations* operations_;
  InstanceTemplates* instance_templates_;
  HealthChecks* health_checks_;
  InstanceGroupManagers* instance_group_managers_;
  GroupRuntime* group_runtime_;
};

/// Every image of `project` that `opts` selects, reading page after page
/// (opts.page_token is where it starts). `calls`, when given, counts the
/// list calls made.
Result<std::vector<Image>> ListAllImages(Images& images, const std::string& project,
                                         ListOptions opts = {}, int* calls = nullptr);
/// Every disk of `project` in `zone` that `opts` selects.
Result<std::vector<Disk>> ListAllDisks(Disks& disks, const std::string& project,
                                       const std::string& zone, ListOptions opts = {});
Result<std::vector<Instance>> ListAllInstances(Instances& instances, const std::string& project,
                                               const std::string& zone, ListOptions opts = {});
Result<std::vector<Snapshot>> ListAllSnapshots(Snapshots& snapshots, const std::string& project,
                                               ListOptions opts = {});
Result<std::vector<Zone>> ListAllZones(Zones& zones, const std::string& project);

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_SERVICE_H_
