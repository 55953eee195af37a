// The compute/v1 resources of a load balancer (GCE's external Application
// Load Balancer): a global forwarding rule (address and port) sends to a
// target HTTP proxy, which follows a URL map to a backend service, whose
// backends are instance groups judged by a health check. Plain data, named
// after the API's JSON fields in snake_case; lb_codec.h reads and writes them.
#ifndef IMAGO_COMPUTE_LB_TYPES_H_
#define IMAGO_COMPUTE_LB_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace imago::compute {

/// BackendService.backends[]: an instance group and how much traffic it takes.
struct Backend {
  std::string group;           // URL of zones/Z/instanceGroups/NAME.
  std::string balancing_mode;  // UTILIZATION (default) or RATE.
  /// 0 to 1: the share of the group's capacity in use; 0 drains it (no new
  /// requests) while it stays a backend. Unset: 1.
  std::optional<double> capacity_scaler;
  std::string description;
  nlohmann::json extra = nlohmann::json::object();  // maxUtilization, maxRate, ... kept.
};

/// compute#backendService (global): where a URL map sends requests.
struct BackendService {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  std::string self_link;
  std::string protocol;               // HTTP (default).
  std::string port_name;              // The groups' named port; "http" by default.
  int timeout_sec = 0;                // Per request; 30 by default.
  std::string load_balancing_scheme;  // EXTERNAL (default) or EXTERNAL_MANAGED.
  std::vector<Backend> backends;
  std::vector<std::string> health_checks;  // One health check URL.
  /// connectionDraining.drainingTimeoutSec: how long a leaving instance may
  /// finish its requests (0-3600; 300 by default here, as gcloud sets it).
  std::optional<int> draining_timeout_sec;
  std::string fingerprint;
  nlohmann::json extra = nlohmann::json::object();
};

/// compute#urlMap (global): the backend service of each request. Only a
/// default service here (host rules and path matchers are refused locally).
struct UrlMap {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  std::string self_link;
  std::string default_service;  // Backend service URL.
  std::string fingerprint;
  nlohmann::json extra = nlohmann::json::object();
};

/// compute#targetHttpProxy (global): terminates HTTP, routes by a URL map.
struct TargetHttpProxy {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  std::string self_link;
  std::string url_map;  // URL.
  std::string fingerprint;
  nlohmann::json extra = nlohmann::json::object();
};

/// compute#forwardingRule (global): an address and port, sent to a target.
struct ForwardingRule {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  std::string self_link;
  std::string ip_address;   // IPAddress; 127.0.0.1 on the local cloud by default.
  std::string ip_protocol;  // IPProtocol: TCP.
  std::string port_range;   // "8080" or "8080-8080".
  std::string target;       // URL of a targetHttpProxy.
  std::string load_balancing_scheme;
  std::string fingerprint;
  nlohmann::json extra = nlohmann::json::object();
};

/// HealthStatus: how the load balancer sees one instance of a backend.
struct HealthStatus {
  std::string instance;      // URL.
  std::string ip_address;    // The instance's networkIP.
  int port = 0;              // The serving port in the instance.
  std::string health_state;  // HEALTHY or UNHEALTHY.
};

/// compute#backendServiceGroupHealth: backendServices.getHealth's answer.
struct BackendServiceGroupHealth {
  std::vector<HealthStatus> health_status;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_LB_TYPES_H_
