#include "localcloud/local_cloud.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "localcloud/catalog.h"
#include "localcloud/content_store.h"
#include "localcloud/local_autoscalers.h"
#include "localcloud/local_disks.h"
#include "localcloud/local_health_checks.h"
#include "localcloud/local_images.h"
#include "localcloud/local_instance_group_managers.h"
#include "localcloud/local_instance_groups.h"
#include "localcloud/local_instance_templates.h"
#include "localcloud/local_instances.h"
#include "localcloud/local_load_balancers.h"
#include "localcloud/local_machine_types.h"
#include "localcloud/local_operations.h"
#include "localcloud/local_projects.h"
#include "localcloud/local_snapshots.h"
#include "localcloud/local_store.h"
#include "localcloud/local_zones.h"
#include "localcloud/recovery.h"

namespace imago::localcloud {

using compute::Result;
using compute::Status;

LocalCloud::LocalCloud(std::unique_ptr<LocalStore> store)
    : store_(std::move(store)),
      images_(std::make_unique<LocalImages>(*store_)),
      snapshots_(std::make_unique<LocalSnapshots>(*store_)),
      disks_(std::make_unique<LocalDisks>(*store_, *snapshots_)),
      instances_(std::make_unique<LocalInstances>(*store_, *disks_)),
      operations_(std::make_unique<LocalOperations>(*store_)),
      zones_(std::make_unique<LocalZones>(*store_)),
      regions_(std::make_unique<LocalRegions>(*store_)),
      machine_types_(std::make_unique<LocalMachineTypes>(*store_)),
      projects_(std::make_unique<LocalProjects>(*store_)),
      instance_templates_(std::make_unique<LocalInstanceTemplates>(*store_)),
      health_checks_(std::make_unique<LocalHealthChecks>(*store_)),
      instance_group_managers_(std::make_unique<LocalInstanceGroupManagers>(*store_, *instances_)),
      instance_groups_(std::make_unique<LocalInstanceGroups>(*store_)),
      autoscalers_(std::make_unique<LocalAutoscalers>(*store_)),
      backend_services_(std::make_unique<LocalBackendServices>(*store_)),
      url_maps_(std::make_unique<LocalUrlMaps>(*store_)),
      target_http_proxies_(std::make_unique<LocalTargetHttpProxies>(*store_)),
      global_forwarding_rules_(std::make_unique<LocalGlobalForwardingRules>(*store_)) {}

LocalCloud::~LocalCloud() = default;

Result<std::unique_ptr<LocalCloud>> LocalCloud::Open(const LocalCloudOptions& options,
                                                     RecoveryReport* report) {
  if (options.home.empty()) return Status::Invalid("the local cloud needs a home directory");
  if (mkdir(options.home.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Unavailable("cannot create " + options.home + ": " + strerror(errno));
  }
  ContentStore probe(options.home);
  IMAGO_RETURN_IF_ERROR(probe.Init());
  auto catalog = Catalog::Open(options.home + "/catalog.db");
  if (!catalog.ok()) return catalog.status();
  std::unique_ptr<LocalCloud> cloud(
      new LocalCloud(std::make_unique<LocalStore>(options, std::move(catalog.value()))));
  if (!options.recover) return cloud;
  auto rep = cloud->Recover();
  if (!rep.ok()) return rep.status();
  if (report) *report = rep.value();
  return cloud;
}

compute::Images& LocalCloud::images() {
  return *images_;
}
compute::Disks& LocalCloud::disks() {
  return *disks_;
}
compute::Snapshots& LocalCloud::snapshots() {
  return *snapshots_;
}
compute::Instances& LocalCloud::instances() {
  return *instances_;
}
compute::Operations& LocalCloud::operations() {
  return *operations_;
}
compute::Zones& LocalCloud::zones() {
  return *zones_;
}
compute::Regions& LocalCloud::regions() {
  return *regions_;
}
compute::MachineTypes& LocalCloud::machine_types() {
  return *machine_types_;
}
compute::Projects& LocalCloud::projects() {
  return *projects_;
}
compute::InstanceTemplates& LocalCloud::instance_templates() {
  return *instance_templates_;
}
compute::HealthChecks& LocalCloud::health_checks() {
  return *health_checks_;
}
compute::InstanceGroupManagers& LocalCloud::instance_group_managers() {
  return *instance_group_managers_;
}
compute::GroupRuntime* LocalCloud::group_runtime() {
  return instance_group_managers_.get();
}
compute::Autoscalers& LocalCloud::autoscalers() {
  return *autoscalers_;
}
compute::InstanceGroups& LocalCloud::instance_groups() {
  return *instance_groups_;
}
compute::BackendServices& LocalCloud::backend_services() {
  return *backend_services_;
}
compute::UrlMaps& LocalCloud::url_maps() {
  return *url_maps_;
}
compute::TargetHttpProxies& LocalCloud::target_http_proxies() {
  return *target_http_proxies_;
}
compute::GlobalForwardingRules& LocalCloud::global_forwarding_rules() {
  return *global_forwarding_rules_;
}
compute::LoadBalancerRuntime* LocalCloud::load_balancer_runtime() {
  return backend_services_.get();
}

void LocalCloud::ServeMetadata(const std::string& project, const std::string& zone,
                               const std::string& instance) {
  instances_->ServeMetadata(project, zone, instance);
}

std::string LocalCloud::RunDir(uint64_t instance_id) const {
  return store_->RunDir(instance_id);
}

Result<std::string> LocalCloud::ImageContentPath(const std::string& project,
                                                 const std::string& image) {
  return images_->ContentPath(project, image);
}

Result<std::string> LocalCloud::ReadImageFile(const std::string& project, const std::string& image,
                                              const std::string& path, size_t max_bytes) {
  return images_->ReadFile(project, image, path, max_bytes);
}

Result<RecoveryReport> LocalCloud::Recover() {
  return localcloud::Recover(*store_, *instances_);
}

const std::string& LocalCloud::home() const {
  return store_->home();
}

}  // namespace imago::localcloud
