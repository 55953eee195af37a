// LocalCloud: the embedded compute::Service. The catalog is one SQLite file
// (WAL), image content lives in a content-addressed store, instances are
// QEMU processes, every mutation is journaled as an Operation. Several
// processes may share one home directory.
//
// Layout of the home directory:
//   catalog.db          the catalog (images, blobs, disks, snapshots, instances, operations)
//   blobs/sha256/HEX    image and snapshot content, read-only, named by its SHA-256
//   tmp/OPERATION*      content being imported, and the locks of running operations
//   store.lock          held while content files are published or unlinked
//   disks/ID.qcow2      a disk: copy-on-write over its image's or snapshot's content
//   run/ID/             a running instance: pid, qmp socket, serial.log, qemu.log
//   boot/DIGEST/        the kernel (and initrd) read out of a content file
//
// The collections live in local_images.cc, local_disks.cc, ... over one
// LocalStore (local_store.h); crash recovery is recovery.h, run by Open().
#ifndef IMAGO_LOCALCLOUD_LOCAL_CLOUD_H_
#define IMAGO_LOCALCLOUD_LOCAL_CLOUD_H_

#include <memory>
#include <string>

#include "compute/service.h"
#include "localcloud/local_options.h"

namespace imago::localcloud {

class LocalStore;
class LocalImages;
class LocalDisks;
class LocalSnapshots;
class LocalInstances;
class LocalOperations;
class LocalZones;
class LocalRegions;
class LocalMachineTypes;
class LocalProjects;
class LocalInstanceTemplates;
class LocalHealthChecks;
class LocalInstanceGroupManagers;
class LocalInstanceGroups;
class LocalAutoscalers;
class LocalBackendServices;
class LocalUrlMaps;
class LocalTargetHttpProxies;
class LocalGlobalForwardingRules;

class LocalCloud final : public compute::Service {
 public:
  /// Opens (creating) the home directory and its catalog, then recovers from
  /// earlier crashes unless options.recover is off. `report`, when given,
  /// says what was recovered. 503 when the home cannot be created or the
  /// catalog opened; 400 for an empty home.
  static compute::Result<std::unique_ptr<LocalCloud>> Open(const LocalCloudOptions& options,
                                                           RecoveryReport* report = nullptr);
  ~LocalCloud() override;
  LocalCloud(const LocalCloud&) = delete;
  LocalCloud& operator=(const LocalCloud&) = delete;

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
  compute::InstanceGroupManagers& instance_group_managers() override;
  compute::GroupRuntime* group_runtime() override;
  compute::InstanceGroups& instance_groups() override;
  compute::Autoscalers& autoscalers() override;
  compute::BackendServices& backend_services() override;
  compute::UrlMaps& url_maps() override;
  compute::TargetHttpProxies& target_http_proxies() override;
  compute::GlobalForwardingRules& global_forwarding_rules() override;
  compute::LoadBalancerRuntime* load_balancer_runtime() override;

  /// Serves the metadata server connection of one guest on stdin/stdout
  /// (see metadata_server.h); `instance` is the instance's id.
  void ServeMetadata(const std::string& project, const std::string& zone,
                     const std::string& instance);
  /// The run directory of an instance (its QEMU's pid, sockets and logs).
  std::string RunDir(uint64_t instance_id) const;
  /// The file holding an image's content (local cloud only).
  compute::Result<std::string> ImageContentPath(const std::string& project,
                                                const std::string& image);
  /// A file of an image's file system, read without booting it (see
  /// LocalImages::ReadFile; local cloud only).
  compute::Result<std::string> ReadImageFile(const std::string& project, const std::string& image,
                                             const std::string& path, size_t max_bytes);
  /// Runs crash recovery again (Open already did).
  compute::Result<RecoveryReport> Recover();

  const std::string& home() const;

 private:
  explicit LocalCloud(std::unique_ptr<LocalStore> store);

  std::unique_ptr<LocalStore> store_;
  std::unique_ptr<LocalImages> images_;
  std::unique_ptr<LocalSnapshots> snapshots_;
  std::unique_ptr<LocalDisks> disks_;
  std::unique_ptr<LocalInstances> instances_;
  std::unique_ptr<LocalOperations> operations_;
  std::unique_ptr<LocalZones> zones_;
  std::unique_ptr<LocalRegions> regions_;
  std::unique_ptr<LocalMachineTypes> machine_types_;
  std::unique_ptr<LocalProjects> projects_;
  std::unique_ptr<LocalInstanceTemplates> instance_templates_;
  std::unique_ptr<LocalHealthChecks> health_checks_;
  std::unique_ptr<LocalInstanceGroupManagers> instance_group_managers_;
  std::unique_ptr<LocalInstanceGroups> instance_groups_;
  std::unique_ptr<LocalAutoscalers> autoscalers_;
  std::unique_ptr<LocalBackendServices> backend_services_;
  std::unique_ptr<LocalUrlMaps> url_maps_;
  std::unique_ptr<LocalTargetHttpProxies> target_http_proxies_;
  std::unique_ptr<LocalGlobalForwardingRules> global_forwarding_rules_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_CLOUD_H_
