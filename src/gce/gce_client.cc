#include "gce/gce_client.h"

#include "gce/gce_disks.h"
#include "gce/gce_health_checks.h"
#include "gce/gce_images.h"
#include "gce/gce_instance_group_managers.h"
#include "gce/gce_instance_templates.h"
#include "gce/gce_instances.h"
#include "gce/gce_load_balancers.h"
#include "gce/gce_machine_types.h"
#include "gce/gce_operations.h"
#include "gce/gce_projects.h"
#include "gce/gce_regions.h"
#include "gce/gce_snapshots.h"
#include "gce/gce_zones.h"

namespace imago::gce {

GceClient::GceClient(GceClientOptions options)
    : caller_(std::move(options)),
      images_(std::make_unique<GceImages>(caller_)),
      disks_(std::make_unique<GceDisks>(caller_)),
      snapshots_(std::make_unique<GceSnapshots>(caller_)),
      instances_(std::make_unique<GceInstances>(caller_)),
      operations_(std::make_unique<GceOperations>(caller_)),
      zones_(std::make_unique<GceZones>(caller_)),
      regions_(std::make_unique<GceRegions>(caller_)),
      machine_types_(std::make_unique<GceMachineTypes>(caller_)),
      projects_(std::make_unique<GceProjects>(caller_)),
      instance_templates_(std::make_unique<GceInstanceTemplates>(caller_)),
      health_checks_(std::make_unique<GceHealthChecks>(caller_)),
      instance_group_managers_(std::make_unique<GceInstanceGroupManagers>(caller_)),
      instance_groups_(std::make_unique<GceInstanceGroups>(caller_)),
      autoscalers_(std::make_unique<GceAutoscalers>(caller_)),
      backend_services_(std::make_unique<GceBackendServices>(caller_)),
      url_maps_(std::make_unique<GceUrlMaps>(caller_)),
      target_http_proxies_(std::make_unique<GceTargetHttpProxies>(caller_)),
      global_forwarding_rules_(std::make_unique<GceGlobalForwardingRules>(caller_)) {}

GceClient::~GceClient() = default;

GceClientStats GceClient::stats() const {
  return caller_.stats();
}

compute::Images& GceClient::images() {
  return *images_;
}
compute::Disks& GceClient::disks() {
  return *disks_;
}
compute::Snapshots& GceClient::snapshots() {
  return *snapshots_;
}
compute::Instances& GceClient::instances() {
  return *instances_;
}
compute::Operations& GceClient::operations() {
  return *operations_;
}
compute::Zones& GceClient::zones() {
  return *zones_;
}
compute::Regions& GceClient::regions() {
  return *regions_;
}
compute::MachineTypes& GceClient::machine_types() {
  return *machine_types_;
}
compute::Projects& GceClient::projects() {
  return *projects_;
}
compute::InstanceTemplates& GceClient::instance_templates() {
  return *instance_templates_;
}
compute::HealthChecks& GceClient::health_checks() {
  return *health_checks_;
}
compute::InstanceGroupManagers& GceClient::instance_group_managers() {
  return *instance_group_managers_;
}

compute::Autoscalers& GceClient::autoscalers() {
  return *autoscalers_;
}
compute::InstanceGroups& GceClient::instance_groups() {
  return *instance_groups_;
}
compute::BackendServices& GceClient::backend_services() {
  return *backend_services_;
}
compute::UrlMaps& GceClient::url_maps() {
  return *url_maps_;
}
compute::TargetHttpProxies& GceClient::target_http_proxies() {
  return *target_http_proxies_;
}
compute::GlobalForwardingRules& GceClient::global_forwarding_rules() {
  return *global_forwarding_rules_;
}

}  // namespace imago::gce
