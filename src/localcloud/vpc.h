// The local cloud's VPC network: every instance of a project has an
// address of 10.128.0.0/20 (networkInterfaces[0].networkIP, as in GCE's
// default subnet of us-central1) on a second NIC plugged into the
// project's switch, an unprivileged vde_switch (Debian's vde2), so that
// instances reach each other at those addresses. The first NIC stays
// QEMU's user-mode network: the metadata server, forwarded ports, the
// host. No root and no set-up of the host. Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_VPC_H_
#define IMAGO_LOCALCLOUD_VPC_H_

#include <cstdio>
#include <string>

#include "compute/status.h"
#include "localcloud/catalog.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

/// The subnet: 10.128.0.0/20, gateway 10.128.0.1 (no router runs there:
/// instances reach each other; the host and the outside go through the
/// first NIC).
constexpr const char* kVpcPrefix = "10.128.0.0/20";
constexpr const char* kVpcMask = "255.255.240.0";
constexpr const char* kVpcGateway = "10.128.0.1";

/// Within a write transaction: the address for a new instance of `project`.
/// `requested` (the instance's networkIP as sent) when it is in the subnet
/// and no other instance of the project has it; else, when empty, the
/// lowest free one from 10.128.0.2. 400 naming networkInterfaces[0].networkIP
/// for an address outside the subnet or taken; 503 when the subnet is full.
compute::Result<std::string> AllocateNetworkIp(Catalog& catalog, const std::string& project,
                                               const std::string& requested);

/// GCE's MAC for an address: 42:01 and the address's four bytes ("" when
/// `ip` is not an IPv4 address).
inline std::string VpcMac(const std::string& ip) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  char tail = 0;
  if (sscanf(ip.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 ||
      c > 255 || d > 255) {
    return "";
  }
  char mac[18];
  snprintf(mac, sizeof mac, "42:01:%02x:%02x:%02x:%02x", a, b, c, d);
  return mac;
}

/// The control socket directory of `project`'s switch under `home`, with a
/// vde_switch serving it (started, detached, when none runs; what a killed
/// one left is cleared first). Start and end of a project's switch hold
/// HOME/net/PROJECT.lock, so that concurrent boots start one. 503 when
/// vde_switch is not installed or does not start. Call it only for an
/// instance whose row is PROVISIONING or STAGING (see StopSwitchIfIdle).
compute::Result<std::string> EnsureSwitch(const std::string& home, const std::string& project);

/// Ends `project`'s switch when no instance of the project runs or is about
/// to (PROVISIONING, STAGING, RUNNING, STOPPING): a switch with no VM is a
/// leaked process. Decided and done inside a write transaction of the
/// catalog, so that no other process's insert or start slips in between
/// (theirs commit the instance's status first, then ask for the switch).
/// True when it ended one; an error of the catalog otherwise. Takes the
/// store's lock; call it with no lock held.
compute::Result<bool> StopSwitchIfIdle(LocalStore& s, const std::string& project);

/// StopSwitchIfIdle for every project with a switch under the home; how
/// many it ended. Crash recovery runs it: a process killed between its
/// last VM's end and the switch's leaves the switch to the next one.
compute::Result<int> StopIdleSwitches(LocalStore& s);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_VPC_H_
