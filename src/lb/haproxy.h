// HaproxyProxy: the local cloud's load balancer, one HAProxy (Debian's)
// per $IMAGO_HOME, in master-worker mode, driven through its runtime API:
// servers are added, drained and removed in place; a change of frontends
// or backends is a seamless reload (the listening sockets pass to the new
// worker, the old one finishes its requests, server states carry over).
// Files: HOME/lb/haproxy.cfg, haproxy.pid (the master), admin.sock (the
// runtime API), master.sock, servers.state, haproxy.log.
#ifndef IMAGO_LB_HAPROXY_H_
#define IMAGO_LB_HAPROXY_H_

#include <string>

#include "lb/proxy.h"

namespace imago::lb {

class HaproxyProxy final : public Proxy {
 public:
  /// `dir`: where its files live (created when missing).
  explicit HaproxyProxy(std::string dir);
  HaproxyProxy(const HaproxyProxy&) = delete;
  HaproxyProxy& operator=(const HaproxyProxy&) = delete;

  compute::Status Apply(const ProxyConfig& want) override;
  compute::Result<ProxyState> Read() override;

  /// The master's pid when it runs (its executable is HAProxy), else 0.
  int RunningPid() const;
  /// Stops the proxy: connections in flight finish. OK when none runs.
  compute::Status Stop();

 private:
  /// One runtime API command (several joined by ';'); the answer.
  compute::Result<std::string> Command(const std::string& socket, const std::string& cmd) const;
  /// Writes, checks and starts (`running` null) or reloads the configuration
  /// of `want` with the servers `running` has; Converge adds the others.
  compute::Status Restart(const ProxyConfig& want, const ProxyState* running);
  /// Runtime changes that make the running servers those of `want`.
  compute::Status Converge(const ProxyConfig& want);

  std::string dir_;
};

/// The configuration text of `want` without its server lines (what a
/// reload is needed for) and with those of them that `known` has at the
/// same address (what a start or reload reads; a server HAProxy does not
/// know yet is added at run time, DOWN until its check passes, because one
/// in the file starts UP before any check). `dir` holds the sockets and
/// state file. Exposed for tests.
std::string RenderSkeleton(const ProxyConfig& want, const std::string& dir);
std::string RenderFull(const ProxyConfig& want, const std::string& dir, const ProxyState& known);
/// The `server` line options of `s` in backend `b` (address, check, weight).
std::string ServerOptions(const ProxyBackend& b, const ProxyServer& s);
/// Reads the CSV of `show stat` into server states.
ProxyState ParseShowStat(const std::string& csv);

}  // namespace imago::lb

#endif  // IMAGO_LB_HAPROXY_H_
