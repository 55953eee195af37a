#include "localcloud/qemu.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "base/file_lock.h"
#include "base/subprocess.h"
#include "localcloud/disk_files.h"

namespace imago::localcloud {

using base::FirstLine;
using base::RunProcess;
using compute::Result;
using compute::Status;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// Escapes a value for QEMU's option syntax, where ',' separates options.
std::string QemuOpt(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

// Debian's version order, enough for kernel versions (6.1.0-28-cloud-amd64).
bool VersionLess(const std::string& a, const std::string& b) {
  return strverscmp(a.c_str(), b.c_str()) < 0;
}

}  // namespace

// ---------------------------------------------------------------- boot files

Result<BootFiles> ExtractBootFiles(const std::string& disk, const std::string& format,
                                   const std::string& cache_dir) {
  BootFiles files;
  std::string done = cache_dir + "/boot.json";
  if (FileExists(done)) {
    json j = json::parse(ReadFile(done), nullptr, false);
    if (j.is_object()) {
      files.kernel = cache_dir + "/vmlinuz";
      files.initrd = j.value("initrd", false) ? cache_dir + "/initrd.img" : "";
      files.version = j.value("version", "");
      return files;
    }
  }
  if (mkdir(cache_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Unavailable("cannot create " + cache_dir + ": " + strerror(errno));
  }
  // One extraction at a time per content; a second caller then finds it done.
  auto lock = base::FileLock::Acquire(cache_dir + "/lock");
  if (!lock.ok()) return lock.status();
  if (FileExists(done)) return ExtractBootFiles(disk, format, cache_dir);

  // A qcow2 disk is converted first (sparse: a 64 MiB image costs well
  // under a second).
  auto view = RawDiskView::Open(disk, format, cache_dir);
  if (!view.ok()) return view.status();
  const std::string kNoKernel =
      "The boot disk has no kernel: the local cloud boots disks that are one ext4 file system "
      "with /boot/vmlinuz-VERSION (see docs/instances.md).";
  auto ls = (*view)->List("/boot");
  if (!ls.ok()) return ls.status();
  // Lines of `ls -p`: /INODE/MODE/UID/GID/NAME/SIZE/
  std::vector<std::string> kernels;
  std::vector<std::string> initrds;
  std::istringstream lines(*ls);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string x; std::getline(fields, x, '/');) f.push_back(x);
    if (f.size() < 6) continue;
    const std::string& mode = f[2];
    const std::string& name = f[5];
    if (!mode.starts_with("100")) continue;  // Regular files only (not the symlinks).
    if (name.starts_with("vmlinuz-")) kernels.push_back(name.substr(8));
    if (name.starts_with("initrd.img-")) initrds.push_back(name.substr(11));
  }
  if (kernels.empty()) return Status::Invalid(kNoKernel);
  std::sort(kernels.begin(), kernels.end(), VersionLess);
  files.version = kernels.back();
  files.kernel = cache_dir + "/vmlinuz";
  bool initrd = std::find(initrds.begin(), initrds.end(), files.version) != initrds.end();
  std::vector<std::pair<std::string, std::string>> dumps = {
      {"/boot/vmlinuz-" + files.version, files.kernel + ".tmp"}};
  if (initrd) {
    files.initrd = cache_dir + "/initrd.img";
    dumps.push_back({"/boot/initrd.img-" + files.version, files.initrd + ".tmp"});
  }
  for (const auto& [from, to] : dumps) {
    Status d = (*view)->Dump(from, to);
    if (!d.ok()) {
      return Status::Unavailable("cannot read " + from + " from the boot disk: " + d.message());
    }
    std::string final_path = to.substr(0, to.size() - 4);
    if (rename(to.c_str(), final_path.c_str()) != 0) {
      return Status::Unavailable("cannot write " + final_path + ": " + strerror(errno));
    }
  }
  std::ofstream(done + ".tmp") << json{{"version", files.version}, {"initrd", initrd}}.dump();
  if (rename((done + ".tmp").c_str(), done.c_str()) != 0) {
    return Status::Unavailable("cannot write " + done + ": " + strerror(errno));
  }
  return files;
}

// ---------------------------------------------------------------- launch

bool KvmUsable() {
  if (access("/dev/kvm", R_OK | W_OK) != 0) return false;
  std::string cpuinfo = ReadFile("/proc/cpuinfo");
  return cpuinfo.find(" vmx") != std::string::npos || cpuinfo.find(" svm") != std::string::npos;
}

std::string SmpOption(int cpus, bool kvm) {
  // TCG translates a guest's memory fences only for a machine that can have
  // more than one CPU (CF_PARALLEL); with maxcpus=1 it drops them, and the
  // guest's NVMe driver, which orders its shadow-doorbell write before its
  // event-index read with mfence, then races QEMU's device thread: a
  // doorbell is lost, the I/O queue stalls until the kernel's 30 s timeout
  // and a controller reset. A second possible (absent) CPU keeps the fences.
  if (kvm || cpus > 1) return std::to_string(cpus);
  return std::to_string(cpus) + ",maxcpus=2";
}

std::vector<std::string> QemuArgs(const VmSpec& spec) {
  const std::string& run = spec.run_dir;
  bool kvm = KvmUsable();
  std::vector<std::string> a = {"-name",
                                "guest=" + QemuOpt(spec.name),
                                "-M",
                                "pc",
                                "-accel",
                                kvm ? "kvm" : "tcg",
                                "-smp",
                                SmpOption(spec.cpus, kvm),
                                "-m",
                                std::to_string(spec.memory_mb),
                                "-display",
                                "none",
                                "-no-user-config",
                                "-nodefaults",
                                "-chardev",
                                "file,id=serial0,append=on,path=" + QemuOpt(run + "/serial.log"),
                                "-serial",
                                "chardev:serial0",
                                "-kernel",
                                spec.boot.kernel};
  if (!spec.boot.initrd.empty()) {
    a.push_back("-initrd");
    a.push_back(spec.boot.initrd);
  }
  a.push_back("-append");
  a.push_back(spec.cmdline);
  // One NVMe controller, one namespace per disk: namespace ids fix the
  // guest's names (/dev/nvme0n1 boots, /dev/nvme0n2 is the next disk...),
  // where several controllers would race for nvme0 while the kernel probes.
  a.insert(a.end(), {"-device", "nvme,id=nvme0,serial=imago"});
  for (size_t i = 0; i < spec.disks.size(); ++i) {
    const VmDisk& d = spec.disks[i];
    std::string id = "disk" + std::to_string(i);
    a.push_back("-drive");
    a.push_back("file=" + QemuOpt(d.path) + ",if=none,id=" + id + ",format=" + d.format);
    a.push_back("-device");
    a.push_back("nvme-ns,drive=" + id + ",bus=nvme0,nsid=" + std::to_string(i + 1));
  }
  std::string net = "user,id=net0,net=169.254.0.0/16,host=169.254.0.2,dns=169.254.0.3";
  net += ",hostname=" + QemuOpt(spec.name);
  for (const auto& p : spec.ports) {
    net += fmt::format(",hostfwd=tcp:{}:{}-{}:{}", p.host_ip, p.host_port, kGuestIp, p.guest_port);
  }
  if (!spec.metadata_command.empty()) {
    net += ",guestfwd=tcp:169.254.169.254:80-cmd:" + QemuOpt(spec.metadata_command);
  }
  a.insert(a.end(), {"-netdev", net, "-device", "virtio-net-pci,netdev=net0"});
  if (!spec.vpc_socket.empty()) {
    a.insert(a.end(), {"-netdev", "vde,id=net1,sock=" + QemuOpt(spec.vpc_socket), "-device",
                       "virtio-net-pci,netdev=net1,mac=" + spec.vpc_mac});
  }
  a.insert(a.end(), {"-qmp", "unix:" + QemuOpt(run + "/qmp") + ",server=on,wait=off", "-daemonize",
                     "-pidfile", run + "/pid"});
  return a;
}

Result<int> LaunchVm(const VmSpec& spec) {
  if (mkdir(spec.run_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Unavailable("cannot create " + spec.run_dir + ": " + strerror(errno));
  }
  if (spec.run_dir.size() + 5 >= sizeof(sockaddr_un::sun_path)) {
    return Status::Invalid(
        "the local cloud's home directory path is too long for a QEMU "
        "control socket (" +
        spec.run_dir + "); use a shorter --home or IMAGO_HOME");
  }
  unlink((spec.run_dir + "/pid").c_str());
  unlink((spec.run_dir + "/qmp").c_str());
  // QEMU's -daemonize sets umask 027: the console it appends to is made
  // here, 0600, and its control socket is narrowed once it exists.
  std::string serial = spec.run_dir + "/serial.log";
  int serial_fd = open(serial.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (serial_fd < 0) return Status::Unavailable("cannot create " + serial + ": " + strerror(errno));
  fchmod(serial_fd, 0600);
  close(serial_fd);
  std::vector<std::string> argv = {"qemu-system-x86_64"};
  auto args = QemuArgs(spec);
  argv.insert(argv.end(), args.begin(), args.end());
  // -daemonize: the command returns once QEMU is set up, with its status.
  base::SubprocessOptions po;
  po.stdout_path = spec.run_dir + "/qemu.log";
  auto r = RunProcess(argv, po);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    std::string why = FirstLine(r->err);
    if (why.find("Could not set up host forwarding rule") != std::string::npos) {
      return Status::ResourceInUse("a forwarded host port is already in use (" + why + ")");
    }
    return Status::Unavailable("QEMU did not start: " + (why.empty() ? "no message" : why));
  }
  std::string pid_text = ReadFile(spec.run_dir + "/pid");
  int pid = atoi(pid_text.c_str());
  if (pid <= 0) return Status::Unavailable("QEMU started but wrote no pid file");
  chmod((spec.run_dir + "/qmp").c_str(), 0600);
  return pid;
}

namespace {

// The process's argv, or empty when it is gone.
std::vector<std::string> ProcArgv(int pid) {
  std::string raw = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  std::vector<std::string> argv;
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find('\0', start);
    if (end == std::string::npos) end = raw.size();
    argv.push_back(raw.substr(start, end - start));
    start = end + 1;
  }
  return argv;
}

// True when the process runs a qemu-system-* executable.
bool RunsQemu(int pid) {
  char exe[4096];
  ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), exe, sizeof exe - 1);
  if (n <= 0) return false;
  std::string path(exe, static_cast<size_t>(n));
  std::string base = path.substr(path.rfind('/') + 1);
  return base.starts_with("qemu-system-");
}

// The RUN directory of `-pidfile RUN/pid` in a QEMU's argv, or "".
std::string PidfileRunDir(const std::vector<std::string>& argv) {
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "-pidfile" && argv[i + 1].ends_with("/pid")) {
      return argv[i + 1].substr(0, argv[i + 1].size() - 4);
    }
  }
  return "";
}

// The state letter of /proc/PID/stat (R, S, Z, ...) and the parent's pid.
bool ProcState(int pid, char* state, int* ppid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
  *state = stat[paren + 2];
  *ppid = atoi(stat.c_str() + paren + 3);
  return true;
}

// Is `pid` the QEMU of `run_dir` itself? Judged by what cannot be
// mistaken: a live process whose executable is QEMU, whose argv says
// `-pidfile RUN_DIR/pid` (word for word, not a substring), that is not a
// child QEMU forked (for a guestfwd command: it has QEMU's argv until it
// execs), and that the pid file, when there is one, names.
bool IsVmOf(int pid, const std::string& run_dir) {
  if (pid <= 0) return false;
  char state = 0;
  int ppid = 0;
  if (!ProcState(pid, &state, &ppid) || state == 'Z' || state == 'X') return false;
  if (!RunsQemu(pid) || PidfileRunDir(ProcArgv(pid)) != run_dir) return false;
  if (ppid > 1 && RunsQemu(ppid) && PidfileRunDir(ProcArgv(ppid)) == run_dir) return false;
  std::string recorded = ReadFile(run_dir + "/pid");
  if (!recorded.empty() && atoi(recorded.c_str()) != pid) return false;
  return true;
}

}  // namespace

bool VmAlive(int pid, const std::string& run_dir) {
  return IsVmOf(pid, run_dir);
}

// ---------------------------------------------------------------- QMP

namespace {

class QmpConnection {
 public:
  ~QmpConnection() {
    if (fd_ >= 0) close(fd_);
  }
  Status Connect(const std::string& path, Clock::time_point deadline) {
    deadline_ = deadline;
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return Status::Unavailable(std::string("socket: ") + strerror(errno));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return Status::Invalid("QMP socket path too long");
    memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      return Status::Unavailable("cannot reach the VM's control socket " + path + ": " +
                                 strerror(errno));
    }
    auto greeting = ReadMessage();
    if (!greeting.ok()) return greeting.status();
    auto caps = Execute("qmp_capabilities", nullptr);
    return caps.status();
  }

  Result<json> Execute(const std::string& cmd, const json& args) {
    json req = {{"execute", cmd}};
    if (!args.is_null()) req["arguments"] = args;
    std::string text = req.dump() + "\n";
    if (write(fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      return Status::Unavailable("QMP write failed: " + std::string(strerror(errno)));
    }
    while (true) {  // Skip asynchronous events until the reply.
      auto msg = ReadMessage();
      if (!msg.ok()) return msg.status();
      if (msg->contains("return")) return (*msg)["return"];
      if (msg->contains("error")) {
        return Status::Unavailable("QMP " + cmd + ": " + (*msg)["error"].value("desc", "error"));
      }
    }
  }

 private:
  Result<json> ReadMessage() {
    while (true) {
      size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        json j = json::parse(line, nullptr, false);
        if (j.is_object()) return j;
        continue;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
      if (left.count() <= 0) return Status::Unavailable("QMP: no answer in time");
      pollfd p{fd_, POLLIN, 0};
      int n = poll(&p, 1, static_cast<int>(left.count()));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Status::Unavailable("QMP: no answer in time");
      char chunk[4096];
      ssize_t got = read(fd_, chunk, sizeof chunk);
      if (got <= 0) return Status::Unavailable("QMP: the VM closed its control socket");
      buf_.append(chunk, got);
    }
  }

  int fd_ = -1;
  std::string buf_;
  Clock::time_point deadline_;
};

bool WaitGone(int pid, const std::string& run_dir, std::chrono::milliseconds within) {
  auto end = Clock::now() + within;
  while (VmAlive(pid, run_dir)) {
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace

Result<json> QmpCommand(const std::string& socket, const std::string& command, const json& args,
                        std::chrono::milliseconds timeout) {
  QmpConnection c;
  IMAGO_RETURN_IF_ERROR(c.Connect(socket, Clock::now() + timeout));
  return c.Execute(command, args);
}

namespace {
// QOM ids of a hot-plugged disk: its device name is [a-z0-9-] (GCE's rule).
std::string HotPlugId(const std::string& device_name) {
  return "hp-" + device_name;
}
}  // namespace

Status HotPlugDisk(const std::string& run_dir, const std::string& device_name,
                   const std::string& path) {
  const std::string qmp = run_dir + "/qmp", id = HotPlugId(device_name);
  auto node = QmpCommand(
      qmp, "blockdev-add",
      {{"driver", "qcow2"}, {"node-name", id}, {"file", {{"driver", "file"}, {"filename", path}}}});
  if (!node.ok()) return node.status();
  auto dev = QmpCommand(
      qmp, "device_add",
      {{"driver", "nvme"}, {"id", id}, {"drive", id}, {"serial", device_name.substr(0, 20)}});
  if (!dev.ok()) {
    (void)QmpCommand(qmp, "blockdev-del", {{"node-name", id}});
    return dev.status();
  }
  return Status::OK();
}

Status HotUnplugDisk(const std::string& run_dir, const std::string& device_name,
                     std::chrono::milliseconds wait) {
  const std::string qmp = run_dir + "/qmp", id = HotPlugId(device_name);
  auto del = QmpCommand(qmp, "device_del", {{"id", id}});
  if (!del.ok()) {
    if (del.status().message().find("not found") != std::string::npos) {
      return Status::NotFound("no hot-plugged disk " + device_name);
    }
    return del.status();
  }
  // The node stays busy until the guest has ejected the device.
  auto deadline = Clock::now() + wait;
  for (;;) {
    auto freed = QmpCommand(qmp, "blockdev-del", {{"node-name", id}});
    if (freed.ok()) return Status::OK();
    if (Clock::now() >= deadline) {
      return Status::Unavailable(
          fmt::format("the guest did not release the disk {} within {} s", device_name,
                      std::chrono::duration_cast<std::chrono::seconds>(wait).count()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

bool VmUsesFile(const std::string& run_dir, const std::string& path) {
  auto blocks = QmpCommand(run_dir + "/qmp", "query-block");
  if (!blocks.ok() || !blocks->is_array()) return false;
  for (const auto& b : *blocks) {
    const json& in = b.value("inserted", json::object());
    if (in.is_object() && in.value("file", "") == path) return true;
  }
  return false;
}

Status StopVm(int pid, const std::string& run_dir, std::chrono::milliseconds grace, bool* clean) {
  if (clean) *clean = false;
  if (!VmAlive(pid, run_dir)) return Status::OK();
  std::string qmp = run_dir + "/qmp";
  if (grace.count() > 0 && QmpCommand(qmp, "system_powerdown").ok() &&
      WaitGone(pid, run_dir, grace)) {
    if (clean) *clean = true;
    return Status::OK();
  }
  if (QmpCommand(qmp, "quit").ok() && WaitGone(pid, run_dir, std::chrono::seconds(3))) {
    return Status::OK();
  }
  kill(pid, SIGKILL);
  if (WaitGone(pid, run_dir, std::chrono::seconds(5))) return Status::OK();
  return Status::Unavailable(fmt::format("QEMU process {} does not exit", pid));
}

std::vector<std::pair<int, std::string>> FindVms(const std::string& run_root) {
  std::vector<std::pair<int, std::string>> out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  std::string prefix = run_root;
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  std::vector<int> pids;
  while (dirent* e = readdir(d)) {
    int pid = atoi(e->d_name);
    if (pid > 0) pids.push_back(pid);
  }
  closedir(d);
  for (int pid : pids) {
    if (!RunsQemu(pid)) continue;
    std::string run_dir = PidfileRunDir(ProcArgv(pid));
    // RUN_ROOT/ID exactly: one level below the root.
    if (!run_dir.starts_with(prefix) || run_dir.size() == prefix.size() ||
        run_dir.find('/', prefix.size()) != std::string::npos) {
      continue;
    }
    if (IsVmOf(pid, run_dir)) out.emplace_back(pid, run_dir);
  }
  return out;
}

Status KillVm(int pid, const std::string& run_dir) {
  if (!IsVmOf(pid, run_dir)) return Status::OK();
  kill(pid, SIGTERM);  // QEMU quits cleanly on SIGTERM.
  if (WaitGone(pid, run_dir, std::chrono::seconds(3))) return Status::OK();
  kill(pid, SIGKILL);
  if (WaitGone(pid, run_dir, std::chrono::seconds(5))) return Status::OK();
  return Status::Unavailable(fmt::format("QEMU process {} does not exit", pid));
}

// ---------------------------------------------------------------- ports

namespace {

int BindLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

Result<int> PickFreePort() {
  int fd = BindLoopback(0);
  if (fd < 0) return Status::Unavailable(std::string("no free port: ") + strerror(errno));
  sockaddr_in a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool PortFree(int port) {
  int fd = BindLoopback(port);
  if (fd < 0) return false;
  close(fd);
  return true;
}

}  // namespace imago::localcloud
