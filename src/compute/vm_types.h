// The compute/v1 resources a virtual machine is made of: disks,
// snapshots, instances, their metadata and serial output. Plain data, named
// after the API's JSON fields in snake_case; vm_codec.h reads and writes them.
#ifndef IMAGO_COMPUTE_VM_TYPES_H_
#define IMAGO_COMPUTE_VM_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/types.h"

namespace imago::compute {

/// compute#disk: a zonal persistent disk.
struct Disk {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  std::string self_link;
  std::string zone;  // URL.
  int64_t size_gb = 0;
  std::string type;    // Disk type URL (pd-standard, pd-balanced, ...).
  std::string status;  // CREATING, READY, FAILED, DELETING.
  std::string source_image;
  std::string source_image_id;
  std::string source_snapshot;
  std::string source_snapshot_id;
  std::vector<std::string> users;  // URLs of the instances it is attached to.
  Labels labels;
  std::string label_fingerprint;
  std::string last_attach_timestamp;
  std::string last_detach_timestamp;
  nlohmann::json extra = nlohmann::json::object();  // Other fields, kept as given.
};

/// compute#snapshot: a global, read-only copy of a disk's content.
struct Snapshot {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  std::string self_link;
  std::string status;  // CREATING, READY, FAILED, DELETING.
  std::string source_disk;
  std::string source_disk_id;
  int64_t disk_size_gb = 0;
  int64_t storage_bytes = 0;
  Labels labels;
  std::string label_fingerprint;
  nlohmann::json extra = nlohmann::json::object();
};

/// AttachedDisk.initializeParams: a new disk made with the instance.
struct InitializeParams {
  std::string disk_name;
  std::string source_image;
  std::string source_snapshot;
  int64_t disk_size_gb = 0;
  std::string disk_type;
  std::string description;
  Labels labels;
  nlohmann::json extra = nlohmann::json::object();  // Other fields, kept as given.
};

/// An entry of Instance.disks.
struct AttachedDisk {
  std::string type = "PERSISTENT";
  std::string mode = "READ_WRITE";
  std::string source;  // Disk URL (or a partial path / name on input).
  std::string device_name;
  int index = 0;
  bool boot = false;
  bool auto_delete = false;
  std::string interface_;  // NVME here; SCSI is accepted on input.
  int64_t disk_size_gb = 0;
  std::optional<InitializeParams> initialize_params;
  nlohmann::json extra = nlohmann::json::object();  // licenses, guestOsFeatures, ... as given.
};

/// NetworkInterface.accessConfigs entry.
struct AccessConfig {
  std::string type = "ONE_TO_ONE_NAT";
  std::string name = "External NAT";
  std::string nat_ip;
  nlohmann::json extra = nlohmann::json::object();  // networkTier, ... as given.
};

struct NetworkInterface {
  std::string name;
  std::string network;
  std::string network_ip;
  std::string subnetwork;
  std::vector<AccessConfig> access_configs;
  nlohmann::json extra = nlohmann::json::object();  // stackType, nicType, ... as given.
};

/// Instance.metadata: ordered key/value items and their fingerprint.
struct Metadata {
  std::string fingerprint;
  std::vector<std::pair<std::string, std::string>> items;

  /// The value of `key`, or nullopt.
  std::optional<std::string> Get(const std::string& key) const;
};

/// The fingerprint of metadata items: base64 of 8 bytes of a SHA-256.
std::string MetadataFingerprint(const std::vector<std::pair<std::string, std::string>>& items);

/// A guest TCP port reachable from the host (local cloud only; an output
/// field named `forwardedPorts` on the instance).
struct ForwardedPort {
  int guest_port = 0;
  int host_port = 0;
  std::string host_ip = "127.0.0.1";
};

/// compute#instance.
struct Instance {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  std::string self_link;
  std::string zone;          // URL.
  std::string machine_type;  // URL (or a name / partial path on input).
  std::string status;        // PROVISIONING, STAGING, RUNNING, STOPPING, TERMINATED.
  std::string status_message;
  std::string cpu_platform;
  std::vector<AttachedDisk> disks;
  std::vector<NetworkInterface> network_interfaces;
  Metadata metadata;
  Labels labels;
  std::string label_fingerprint;
  std::string last_start_timestamp;
  std::string last_stop_timestamp;
  std::vector<ForwardedPort> forwarded_ports;
  nlohmann::json extra = nlohmann::json::object();  // tags, scheduling, ... kept as given.
};

/// compute#serialPortOutput.
struct SerialPortOutput {
  std::string contents;
  int64_t start = 0;
  int64_t next = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_VM_TYPES_H_
