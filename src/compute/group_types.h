// The compute/v1 resources that run a release on many VMs: instance
// templates (the blueprint of a VM) and health checks (how a VM is judged
// healthy). Plain data, named after the API's JSON fields in snake_case;
// group_codec.h reads and writes them.
#ifndef IMAGO_COMPUTE_GROUP_TYPES_H_
#define IMAGO_COMPUTE_GROUP_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/vm_types.h"

namespace imago::compute {

/// compute#instanceTemplate: an immutable blueprint of instances.
struct InstanceTemplate {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  std::string self_link;
  /// InstanceProperties, held as the Instance they describe: name, id,
  /// zone and status stay empty; machine_type is a name (n1-standard-1),
  /// not a URL, as GCE's templates take it.
  Instance properties;
  nlohmann::json extra = nlohmann::json::object();
};

/// HealthCheck.httpHealthCheck.
struct HttpHealthCheck {
  int port = 0;              // 1-65535; 80 when unset.
  std::string request_path;  // "/" when unset.
  std::string host;          // Host header; the instance's address when unset.
  std::string response;      // When set, must appear in the first 1024 bytes.
  std::string port_specification;
  std::string proxy_header;
  nlohmann::json extra = nlohmann::json::object();
};

/// HealthCheck.tcpHealthCheck.
struct TcpHealthCheck {
  int port = 0;          // 80 when unset.
  std::string request;   // Sent once connected, when set.
  std::string response;  // Expected at the start of the answer, when set.
  std::string port_specification;
  std::string proxy_header;
  nlohmann::json extra = nlohmann::json::object();
};

/// compute#healthCheck (global): how and how often an instance is probed.
struct HealthCheck {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  std::string self_link;
  std::string type;            // HTTP or TCP here (GCE also knows HTTPS, HTTP2, SSL, GRPC).
  int check_interval_sec = 0;  // Defaults: 5, 5, 2, 2.
  int timeout_sec = 0;
  int healthy_threshold = 0;
  int unhealthy_threshold = 0;
  std::optional<HttpHealthCheck> http;
  std::optional<TcpHealthCheck> tcp;
  nlohmann::json extra = nlohmann::json::object();  // The other protocols' fields, logConfig, ...
};

/// FixedOrPercent: a count given as a number or a share of a group.
struct FixedOrPercent {
  std::optional<int> fixed;
  std::optional<int> percent;  // 0-100.
  int calculated = 0;          // Output: what it comes to for the group now.
};

/// What `v` comes to in a group of `size`: the fixed number, or
/// percent/100 * size rounded up (the API's `calculated`); 0 when unset.
inline int Resolve(const FixedOrPercent& v, int size) {
  if (v.fixed) return *v.fixed;
  if (v.percent) return (*v.percent * size + 99) / 100;
  return 0;
}

/// InstanceGroupManager.versions[]: a template and how many instances use it.
struct InstanceGroupManagerVersion {
  std::string name;
  std::string instance_template;
  std::optional<FixedOrPercent> target_size;  // Unset: the rest of the group.
};

/// InstanceGroupManager.updatePolicy.
struct InstanceGroupManagerUpdatePolicy {
  std::string type;                            // PROACTIVE (default) or OPPORTUNISTIC.
  std::string minimal_action;                  // NONE, REFRESH, RESTART, REPLACE.
  std::string most_disruptive_allowed_action;  // Same values; REPLACE by default.
  std::string replacement_method;              // SUBSTITUTE (default) or RECREATE.
  std::optional<FixedOrPercent> max_surge;     // Default: fixed 1 (a zonal group).
  std::optional<FixedOrPercent> max_unavailable;
  int min_ready_sec = 0;  // The beta API's; 0-3600.
  nlohmann::json extra = nlohmann::json::object();
};

/// InstanceGroupManager.autoHealingPolicies[] (at most one).
struct AutoHealingPolicy {
  std::string health_check;  // URL or global/healthChecks/NAME.
  int initial_delay_sec = 0;
};

/// InstanceGroupManager.namedPorts[].
struct NamedPort {
  std::string name;
  int port = 0;
};

/// Autoscaler.autoscalingPolicy.
struct AutoscalingPolicy {
  std::optional<int> min_num_replicas;  // 1 when unset.
  int max_num_replicas = 0;             // Required.
  int cool_down_period_sec = 0;         // 60 when unset: how long a new VM's CPU is ignored.
  std::string mode;                     // ON (default), OFF, ONLY_SCALE_OUT, ONLY_UP.
  double cpu_utilization_target = 0;    // cpuUtilization.utilizationTarget; 0.6 when unset.
  /// scaleInControl.timeWindowSec: scale in follows the highest
  /// recommendation of this window (600 s, GCE's, when unset).
  int scale_in_window_sec = 0;
  nlohmann::json extra = nlohmann::json::object();  // Other fields of the policy, as given.
};

/// compute#autoscaler (zonal): keeps a group's size between bounds so that
/// its CPU use stays near a target.
struct Autoscaler {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  std::string self_link;
  std::string zone;    // URL.
  std::string target;  // The group's URL.
  AutoscalingPolicy policy;
  /// Output: ACTIVE (running), PENDING (no measurement yet), ERROR; the size
  /// the last step recommended; why not active.
  std::string status;
  std::optional<int> recommended_size;
  nlohmann::json status_details = nlohmann::json::array();
  nlohmann::json extra = nlohmann::json::object();
};

/// compute#instanceGroup (zonal): the group of instances a managed group
/// keeps; what a backend service names, and where named ports are set.
struct InstanceGroup {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  std::string self_link;
  std::string zone;  // URL.
  int size = 0;      // Output: its instances now.
  std::vector<NamedPort> named_ports;
  std::string fingerprint;  // Of the named ports.
  nlohmann::json extra = nlohmann::json::object();
};

/// compute#instanceGroupManager (zonal): a group of instances made from
/// templates, kept at a size, healed and updated.
struct InstanceGroupManager {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  std::string zone;  // URL.
  std::string self_link;
  std::string base_instance_name;
  std::string instance_template;  // URL; the template of the single version.
  std::string instance_group;     // Output: the group's URL.
  std::vector<InstanceGroupManagerVersion> versions;
  std::optional<int> target_size;
  InstanceGroupManagerUpdatePolicy update_policy;
  std::vector<AutoHealingPolicy> auto_healing_policies;
  std::vector<NamedPort> named_ports;
  std::string fingerprint;
  /// Output: currentActions (none, creating, recreating, deleting, ...) and
  /// status (isStable, versionTarget.isReached, autoscaler) as GCE shows them.
  nlohmann::json current_actions = nlohmann::json::object();
  nlohmann::json status = nlohmann::json::object();
  nlohmann::json extra = nlohmann::json::object();  // statefulPolicy, ... kept as given.
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_GROUP_TYPES_H_
