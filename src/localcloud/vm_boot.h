// Booting one instance's VM, apart from the catalog: the kernel read out of
// the boot disk (once per content), host ports for the forwarded guest
// ports (the last run's when still free), and QEMU launched as a daemon.
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_VM_BOOT_H_
#define IMAGO_LOCALCLOUD_VM_BOOT_H_

#include <map>
#include <string>
#include <vector>

#include "compute/status.h"
#include "compute/vm_types.h"
#include "localcloud/qemu.h"

namespace imago::localcloud {

/// The metadata key that asks for forwarded ports ("80", "8080:80,443").
constexpr const char* kPortsKey = "imago-ports";
/// SSH's guest port: forwarded for every instance (to a host port of its
/// own unless imago-ports names it), as a GCE instance's port 22 is
/// reachable on the default network; `imago instances ssh` goes there.
constexpr int kSshGuestPort = 22;

/// Parses the `imago-ports` value: GUEST or HOST:GUEST numbers 1-65535,
/// comma-separated, each guest and host port at most once. 400 naming
/// metadata.imago-ports otherwise.
compute::Result<std::vector<compute::ForwardedPort>> ParsePorts(const std::string& text);

/// 400 (ResourceInUse) naming the first fixed host port that is taken now.
compute::Status CheckHostPortsFree(const std::vector<compute::ForwardedPort>& ports);

/// Everything a boot needs, read from the catalog beforehand.
struct BootRequest {
  VmSpec vm;                   // name, run_dir, cpus, memory, cmdline, disks, metadata command.
  std::string boot_content;    // The boot disk's content file (its kernel is read from it).
  std::string boot_format;     // qcow2 or raw.
  std::string boot_cache_dir;  // Where its kernel is kept, once per content.
  std::vector<compute::ForwardedPort> wanted;  // From imago-ports; host 0: pick one.
  std::map<int, int> previous;                 // guest -> host port of the last run.
};

/// What a boot gives: QEMU's pid and the ports it forwards.
struct BootResult {
  int pid = 0;
  std::vector<compute::ForwardedPort> ports;
};

/// Reads the kernel, picks host ports (the previous ones when free, else any
/// free port; three tries when another process takes a port meanwhile) and
/// launches QEMU. 400 for a boot disk without a kernel; 400 ResourceInUse
/// for a fixed host port that is taken; 503 when QEMU does not start.
compute::Result<BootResult> BootVm(BootRequest req);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_VM_BOOT_H_
