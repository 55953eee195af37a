// Proxy: the process that carries a load balancer's traffic (HAProxy on
// the local cloud; see haproxy.h), as the balancer sees it: a wanted
// configuration to apply, and the state of its servers to read back.
#ifndef IMAGO_LB_PROXY_H_
#define IMAGO_LB_PROXY_H_

#include <map>
#include <string>
#include <vector>

#include "compute/group_types.h"
#include "compute/status.h"

namespace imago::lb {

/// One instance behind a backend.
struct ProxyServer {
  std::string name;       // "<instance>.<zone>": unique within the backend.
  std::string instance;   // The instance's URL.
  std::string address;    // Where the proxy connects (127.0.0.1 on the local cloud).
  int port = 0;           // The serving port, as the proxy reaches it.
  int check_port = 0;     // The health check's port, as the proxy reaches it.
  int weight = 100;       // 0-256; 0 takes no new requests (capacityScaler 0).
  bool draining = false;  // Finishes what it has, takes nothing new.
  bool operator==(const ProxyServer&) const = default;
};

/// One backend service.
struct ProxyBackend {
  std::string name;  // The backend service's name.
  compute::HealthCheck check;
  int timeout_sec = 30;
  std::vector<ProxyServer> servers;
};

/// One forwarding rule: an address the proxy listens on.
struct ProxyFrontend {
  std::string name;  // The forwarding rule's name.
  std::string address;
  int port = 0;
  std::string backend;  // A ProxyBackend's name.
};

/// Everything the proxy is to serve; empty: no proxy runs.
struct ProxyConfig {
  std::vector<ProxyFrontend> frontends;
  std::vector<ProxyBackend> backends;
};

/// A server as the running proxy has it.
struct ServerState {
  std::string address;
  int port = 0;
  bool up = false;        // Passing its health check.
  bool draining = false;  // Admin state DRAIN.
  bool maintenance = false;
  int sessions = 0;  // Requests or connections in flight.
  int weight = 0;
};

/// Backend name -> server name -> state.
using ProxyState = std::map<std::string, std::map<std::string, ServerState>>;

class Proxy {
 public:
  virtual ~Proxy() = default;
  /// Makes the proxy serve `want`: starts it when it does not run,
  /// reloads it without dropping a connection when frontends or backends
  /// changed, and adds, removes, drains or re-weighs servers in place. A
  /// server that is added starts DOWN and takes requests once its health
  /// check passes. A server that is not in `want` is removed once it has
  /// no session left; until then Apply leaves it draining and says so
  /// again next time. An empty `want` stops the proxy. Errors leave the
  /// proxy serving what it served.
  virtual compute::Status Apply(const ProxyConfig& want) = 0;
  /// The servers the running proxy has now; empty when none runs.
  virtual compute::Result<ProxyState> Read() = 0;
};

}  // namespace imago::lb

#endif  // IMAGO_LB_PROXY_H_
