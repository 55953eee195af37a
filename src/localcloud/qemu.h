// The QEMU side of the local cloud: what boots (the image's own kernel, read
// out of its disk), how a VM is launched as a daemon, talked to over QMP,
// powered off, and found again after imago itself exited or crashed.
//
// Every VM runs in its own directory RUN (HOME/run/INSTANCE-ID): RUN/pid,
// RUN/qmp (the QMP socket), RUN/serial.log, RUN/qemu.log. A process is a
// VM of RUN when its executable is QEMU, its argv has `-pidfile RUN/pid`
// word for word, it is not a child QEMU forked, and RUN/pid names it: never
// a substring of a command line.
#ifndef IMAGO_LOCALCLOUD_QEMU_H_
#define IMAGO_LOCALCLOUD_QEMU_H_

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/status.h"
#include "compute/vm_types.h"

namespace imago::localcloud {

/// The kernel (and initrd, if the image has one) a disk boots with.
struct BootFiles {
  std::string kernel;
  std::string initrd;  // Empty when the image has none.
  std::string version;
};

/// Reads /boot/vmlinuz-VERSION (the highest version) and a matching
/// /boot/initrd.img-VERSION out of the ext4 file system in `disk` (qcow2 or
/// raw, the whole disk one file system), into `cache_dir`, once: a second
/// call finds them there. 400 when the disk holds no such kernel.
compute::Result<BootFiles> ExtractBootFiles(const std::string& disk, const std::string& format,
                                            const std::string& cache_dir);

/// A disk as QEMU sees it: a namespace of the VM's NVMe controller, in
/// order (the first boots as /dev/nvme0n1, the second is /dev/nvme0n2, ...).
struct VmDisk {
  std::string path;
  std::string format = "qcow2";
  std::string device_name;  // The instance's name for it (not visible in the guest yet).
};

/// Everything one VM launch needs.
struct VmSpec {
  std::string name;
  std::string run_dir;  // Created by Launch.
  int cpus = 1;
  int memory_mb = 1024;
  BootFiles boot;
  std::string cmdline;
  std::vector<VmDisk> disks;  // disks[0] boots.
  std::vector<compute::ForwardedPort> ports;
  std::string metadata_command;  // Run by QEMU for each guest connection to 169.254.169.254:80.
  /// The project's switch (vpc.h) and this NIC's MAC: a second NIC on the
  /// instances' network; none when empty.
  std::string vpc_socket;
  std::string vpc_mac;
};

/// The guest's address on its own user-mode network.
constexpr const char* kGuestIp = "169.254.0.15";

/// The QEMU command line for `spec` (argv, without the program's path).
std::vector<std::string> QemuArgs(const VmSpec& spec);

/// True when KVM can run guests here: /dev/kvm is writable and the CPU has
/// vmx or svm (some machines have /dev/kvm and no virtualisation: guests hang).
bool KvmUsable();

/// Starts QEMU as a daemon. Returns its pid once QEMU has opened everything
/// (disks, ports, sockets); on failure, the first error line QEMU printed.
compute::Result<int> LaunchVm(const VmSpec& spec);

/// True when `pid` is the live QEMU of `run_dir` (see the top of this file).
bool VmAlive(int pid, const std::string& run_dir);

/// Sends one QMP command ("system_powerdown", "quit", "stop", "cont",
/// "system_reset") and returns its "return" value.
compute::Result<nlohmann::json> QmpCommand(
    const std::string& socket, const std::string& command, const nlohmann::json& args = nullptr,
    std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// Adds disk `path` (qcow2) to the running VM of `run_dir` as an NVMe
/// controller of its own (QEMU cannot hot-add a namespace to the boot
/// controller) whose serial is `device_name` cut to NVMe's 20 characters;
/// the guest sees it as /dev/nvmeKn1. Undoes what it did on failure.
compute::Status HotPlugDisk(const std::string& run_dir, const std::string& device_name,
                            const std::string& path);

/// Removes the disk HotPlugDisk added as `device_name`: asks the guest to
/// let go of it (ACPI eject), waits up to `wait` for QEMU to drop it, then
/// closes its file. 404 when the VM has no such hot-plugged disk (a disk it
/// booted with is a namespace of the boot controller, which QEMU cannot
/// unplug); 503 when the guest does not let go in time.
compute::Status HotUnplugDisk(const std::string& run_dir, const std::string& device_name,
                              std::chrono::milliseconds wait = std::chrono::seconds(20));

/// Whether the running VM of `run_dir` has `path` open as a disk (QMP
/// query-block); false when it does not or cannot be asked.
bool VmUsesFile(const std::string& run_dir, const std::string& path);

/// Asks the guest to power off (ACPI) and waits up to `grace`; then makes
/// QEMU quit, then kills it. Returns when the process is gone.
/// `*clean` says whether the guest powered itself off.
compute::Status StopVm(int pid, const std::string& run_dir, std::chrono::milliseconds grace,
                       bool* clean = nullptr);

/// The live VMs of the RUN directories right below `run_root` (HOME/run/):
/// pid and RUN directory of each, by the rule at the top of this file.
std::vector<std::pair<int, std::string>> FindVms(const std::string& run_root);

/// Ends the VM `pid` of `run_dir` with signals to that process alone
/// (SIGTERM, then SIGKILL): for a VM no instance owns, whose control socket
/// may not be its own. OK when it is gone (or was never a VM of run_dir).
compute::Status KillVm(int pid, const std::string& run_dir);

/// A TCP port on 127.0.0.1 that nothing listens on now.
compute::Result<int> PickFreePort();
/// True when 127.0.0.1:port can be bound now.
bool PortFree(int port);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_QEMU_H_
