// The compute/v1 resources that describe where things run: the project,
// its regions and zones, and the machine types of a zone. Plain data, named
// after the API's JSON fields in snake_case; cloud_codec.h reads and writes them.
#ifndef IMAGO_COMPUTE_CLOUD_TYPES_H_
#define IMAGO_COMPUTE_CLOUD_TYPES_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/vm_types.h"

namespace imago::compute {

/// An entry of Region.quotas and Project.quotas.
struct Quota {
  std::string metric;  // CPUS, DISKS_TOTAL_GB, INSTANCES, IMAGES, SNAPSHOTS, ...
  double limit = 0;
  double usage = 0;
};

/// compute#zone.
struct Zone {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  std::string status;  // UP.
  std::string region;  // URL.
  std::string self_link;
  std::vector<std::string> available_cpu_platforms;
  nlohmann::json extra = nlohmann::json::object();  // Other fields, kept as given.
};

/// compute#region.
struct Region {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  std::string status;              // UP.
  std::vector<std::string> zones;  // URLs.
  std::vector<Quota> quotas;
  std::string self_link;
  nlohmann::json extra = nlohmann::json::object();
};

/// compute#machineType.
struct MachineType {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  int guest_cpus = 0;
  int memory_mb = 0;
  int maximum_persistent_disks = 0;
  int64_t maximum_persistent_disks_size_gb = 0;
  bool is_shared_cpu = false;
  std::string zone;  // The zone's name (not a URL), as GCE writes it.
  std::string self_link;
  nlohmann::json extra = nlohmann::json::object();
};

/// compute#project.
struct Project {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  Metadata common_instance_metadata;
  std::vector<Quota> quotas;
  std::string default_service_account;
  std::string default_network_tier;  // PREMIUM.
  std::string xpn_project_status;    // UNSPECIFIED_XPN_PROJECT_STATUS.
  std::string self_link;
  nlohmann::json extra = nlohmann::json::object();
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_CLOUD_TYPES_H_
