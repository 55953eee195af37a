// The compute/v1 resources that run a release on many VMs: instance
// templates (the blueprint of a VM) and health checks (how a VM is judged
// healthy). Plain data, named after the API's JSON fields in snake_case;
// group_codec.h reads and writes them.
#ifndef IMAGO_COMPUTE_GROUP_TYPES_H_
#define IMAGO_COMPUTE_GROUP_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>

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

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_GROUP_TYPES_H_
