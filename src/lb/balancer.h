// Balancer: runs the local cloud's load balancers. Each Step() reads the
// forwarding rules, target proxies, URL maps and backend services through
// the compute API, works out which instances of which groups serve which
// address, and has the Proxy serve that; then it reports what the proxy
// sees to LoadBalancerRuntime (backendServices.getHealth).
//
// Nothing is cut off mid-request:
//  - an instance the group controller is about to delete is drained first
//    (ReadyToRemove says when it is gone from the proxy);
//  - servers that leave a backend (a backend switched to another group, a
//    group left) keep serving until a server that stays is UP, then drain:
//    make before break;
//  - draining ends when the server has no session left, or after the
//    backend service's connectionDraining.drainingTimeoutSec.
// It remembers only when each drain began; a new Balancer reads the rest
// from the API and the proxy.
#ifndef IMAGO_LB_BALANCER_H_
#define IMAGO_LB_BALANCER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "compute/service.h"
#include "groups/controller.h"
#include "lb/proxy.h"

namespace imago::lb {

/// What one step found, for `imago controller status`.
struct BalancerReport {
  struct Backend {
    std::string name;
    int servers = 0;
    int up = 0;
    int draining = 0;
  };
  std::vector<std::string> frontends;  // "web-fr 127.0.0.1:8080 -> web-bs".
  std::vector<Backend> backends;
  std::vector<std::string> errors;
};

class Balancer final : public groups::DrainGate {
 public:
  /// `svc` and `proxy` outlive this; `now_us` gives the time.
  Balancer(compute::Service& svc, Proxy& proxy, std::string project,
           std::function<int64_t()> now_us);
  Balancer(const Balancer&) = delete;
  Balancer& operator=(const Balancer&) = delete;

  /// One pass: read, apply, report. A non-OK Status means the API could not
  /// be read (the proxy then keeps serving what it served).
  compute::Result<BalancerReport> Step();

  /// True when `instance` (a URL) has no server in the proxy; otherwise
  /// marks it leaving, so that the next steps drain and remove it, and
  /// returns false. A mark not asked for again within two steps lapses.
  bool ReadyToRemove(const std::string& instance) override;

 private:
  compute::Result<ProxyConfig> Wanted(BalancerReport* report);

  compute::Service& svc_;
  Proxy& proxy_;
  std::string project_;
  std::function<int64_t()> now_us_;
  std::mutex mu_;
  int64_t step_ = 0;
  std::map<std::string, int64_t> leaving_;      // Instance URL -> step it was asked.
  std::set<std::string> in_proxy_;              // Instance URLs with a server.
  std::map<std::string, int64_t> drain_since_;  // "backend/server" -> when draining began.
  /// Backend service -> group URL -> its instances, as the last Wanted saw them.
  std::map<std::string, std::map<std::string, compute::BackendServiceGroupHealth>> health_;
};

}  // namespace imago::lb

#endif  // IMAGO_LB_BALANCER_H_
