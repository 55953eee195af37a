// GceClient: a compute::Service over HTTP+JSON to a Compute Engine endpoint
// (compute.googleapis.com, or `imago serve`). Everything above the waist
// runs unchanged on it. Its collections (gce_images.h, ...) share one
// ApiCaller (api_caller.h): auth, retries with one requestId per mutation,
// operations waited to DONE, answers read leniently.
#ifndef IMAGO_GCE_GCE_CLIENT_H_
#define IMAGO_GCE_GCE_CLIENT_H_

#include <memory>

#include "compute/service.h"
#include "gce/api_caller.h"

namespace imago::gce {

class GceImages;
class GceDisks;
class GceSnapshots;
class GceInstances;
class GceOperations;
class GceZones;
class GceRegions;
class GceMachineTypes;
class GceProjects;
class GceInstanceTemplates;
class GceHealthChecks;
class GceInstanceGroups;
class GceAutoscalers;
class GceBackendServices;
class GceUrlMaps;
class GceTargetHttpProxies;
class GceGlobalForwardingRules;
class GceInstanceGroupManagers;

class GceClient final : public compute::Service {
 public:
  /// `options.credentials` is required.
  explicit GceClient(GceClientOptions options);
  ~GceClient() override;
  GceClient(const GceClient&) = delete;
  GceClient& operator=(const GceClient&) = delete;

  GceClientStats stats() const;

  compute::Images& images() override;
  compute::Disks& disks() override;
  compute::Snapshots& snapshots() override;
  compute::Instances& instances() override;
  compute::Operations& operations() override;
  compute::Zones& zones() override;
  compute::Regions& regions() override;
  compute::MachineTypes& machine_types() override;
  compute::Projects& projects() override;
  compute::InstanceTemplates& instance_templates() override;
  compute::HealthChecks& health_checks() override;
  compute::InstanceGroups& instance_groups() override;
  compute::Autoscalers& autoscalers() override;
  compute::BackendServices& backend_services() override;
  compute::UrlMaps& url_maps() override;
  compute::TargetHttpProxies& target_http_proxies() override;
  compute::GlobalForwardingRules& global_forwarding_rules() override;
  compute::InstanceGroupManagers& instance_group_managers() override;

 private:
  ApiCaller caller_;
  std::unique_ptr<GceImages> images_;
  std::unique_ptr<GceDisks> disks_;
  std::unique_ptr<GceSnapshots> snapshots_;
  std::unique_ptr<GceInstances> instances_;
  std::unique_ptr<GceOperations> operations_;
  std::unique_ptr<GceZones> zones_;
  std::unique_ptr<GceRegions> regions_;
  std::unique_ptr<GceMachineTypes> machine_types_;
  std::unique_ptr<GceProjects> projects_;
  std::unique_ptr<GceInstanceTemplates> instance_templates_;
  std::unique_ptr<GceHealthChecks> health_checks_;
  std::unique_ptr<GceInstanceGroupManagers> instance_group_managers_;
  std::unique_ptr<GceInstanceGroups> instance_groups_;
  std::unique_ptr<GceAutoscalers> autoscalers_;
  std::unique_ptr<GceBackendServices> backend_services_;
  std::unique_ptr<GceUrlMaps> url_maps_;
  std::unique_ptr<GceTargetHttpProxies> target_http_proxies_;
  std::unique_ptr<GceGlobalForwardingRules> global_forwarding_rules_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_CLIENT_H_
