#include "localcloud/vpc.h"

#include <arpa/inet.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "base/file_lock.h"
#include "base/subprocess.h"
#include "compute/json_codec.h"

namespace imago::localcloud {

using compute::Result;
using compute::Status;

namespace {

constexpr uint32_t kBase = 0x0a800000;  // 10.128.0.0
constexpr uint32_t kSize = 1u << 12;    // /20

std::string VdeSwitchBinary() {
  for (const char* p : {"/usr/bin/vde_switch", "/usr/local/bin/vde_switch"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "";
}

// The live vde_switch of `pid_file`, or 0.
int SwitchPid(const std::string& pid_file) {
  return base::LivePidFromFile(pid_file, "vde_switch");
}

}  // namespace

Result<std::string> AllocateNetworkIp(Catalog& catalog, const std::string& project,
                                      const std::string& requested) {
  std::set<uint32_t> taken;
  auto rows = catalog.AllResources("instance");
  if (!rows.ok()) return rows.status();
  for (const auto& r : *rows) {
    if (r.project != project) continue;
    for (const auto& nic : r.resource.value("networkInterfaces", compute::Json::array())) {
      in_addr a{};
      if (inet_pton(AF_INET, nic.value("networkIP", "").c_str(), &a) == 1) {
        taken.insert(ntohl(a.s_addr));
      }
    }
  }
  auto text = [](uint32_t v) {
    return fmt::format("{}.{}.{}.{}", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255);
  };
  if (!requested.empty()) {
    in_addr a{};
    const char* field = "instance.networkInterfaces[0].networkIP";
    if (inet_pton(AF_INET, requested.c_str(), &a) != 1) {
      return Status::InvalidField(field, requested, "Give an IPv4 address of 10.128.0.0/20.");
    }
    uint32_t v = ntohl(a.s_addr);
    if (v - kBase < 2 || v - kBase >= kSize - 1) {
      return Status::InvalidField(field, requested,
                                  "The local cloud's subnet is 10.128.0.0/20: give an address "
                                  "from 10.128.0.2 to 10.128.15.254, or leave it out.");
    }
    if (taken.count(v)) {
      return Status::InvalidField(
          field, requested,
          "IP address '" + requested + "' is already being used by another resource.");
    }
    return text(v);
  }
  for (uint32_t off = 2; off < kSize - 1; ++off) {
    if (!taken.count(kBase + off)) return text(kBase + off);
  }
  return Status::Unavailable("The subnet 10.128.0.0/20 of project '" + project +
                             "' has no free address; delete an instance.");
}

namespace {

std::string NetDir(const std::string& home) {
  return home + "/net";
}

// Serialises the start and the end of one project's switch between
// processes: two boots at once must not both start one (the loser's
// clean-up removes the winner's pid file, which orphans the winner).
Result<base::FileLock> LockSwitch(const std::string& home, const std::string& project) {
  const std::string dir = NetDir(home);
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Unavailable("cannot create " + dir + ": " + strerror(errno));
  }
  return base::FileLock::Acquire(dir + "/" + project + ".lock");
}

}  // namespace

Result<std::string> EnsureSwitch(const std::string& home, const std::string& project) {
  auto lock = LockSwitch(home, project);
  if (!lock.ok()) return lock.status();
  const std::string sock = NetDir(home) + "/" + project + ".vde";
  const std::string pid_file = NetDir(home) + "/" + project + ".pid";
  if (SwitchPid(pid_file) != 0) return sock;
  const std::string bin = VdeSwitchBinary();
  if (bin.empty()) {
    return Status::Unavailable(
        "vde_switch is not installed, and instances reach each other through it: apt-get "
        "install vde2 (make deps installs it)");
  }
  // What a switch that was killed left behind: a new one cannot bind its
  // control socket while the old one's file is there.
  std::error_code ec;
  std::filesystem::remove_all(sock, ec);
  unlink(pid_file.c_str());
  auto r = base::RunProcess({bin, "--sock", sock, "--mode", "600", "--dirmode", "700", "--daemon",
                             "--pidfile", pid_file, "--numports", "256"},
                            {});
  for (int i = 0; i < 100; ++i) {
    if (SwitchPid(pid_file) != 0 && access((sock + "/ctl").c_str(), F_OK) == 0) return sock;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string why = r.ok() ? base::FirstLine(r->err) : r.status().message();
  return Status::Unavailable("the project's network switch (vde_switch) did not start" +
                             (why.empty() ? std::string() : ": " + why));
}

Result<bool> StopSwitchIfIdle(LocalStore& s, const std::string& project) {
  const std::string sock = NetDir(s.home()) + "/" + project + ".vde";
  const std::string pid_file = NetDir(s.home()) + "/" + project + ".pid";
  if (SwitchPid(pid_file) == 0) return false;
  // Within a transaction: whether an instance of the project runs or is about to.
  auto busy = [&](bool* out) -> Status {
    auto rows = s.catalog().AllResources(kInstanceKind);
    if (!rows.ok()) return rows.status();
    *out = false;
    for (const auto& r : *rows) {
      const std::string status = r.status();
      *out = *out || (r.project == project && (status == "PROVISIONING" || status == "STAGING" ||
                                               status == "RUNNING" || status == "STOPPING"));
    }
    return Status::OK();
  };
  std::lock_guard guard(s.mu());
  // Every command's recovery asks: a read answers the usual case (VMs run)
  // without taking the catalog's write lock.
  bool in_use = false;
  IMAGO_RETURN_IF_ERROR(s.catalog().db().ReadTxn([&] { return busy(&in_use); }));
  if (in_use) return false;
  bool stopped = false;
  Status st = s.catalog().db().WriteTxn([&]() -> Status {
    IMAGO_RETURN_IF_ERROR(busy(&in_use));
    if (in_use) return Status::OK();
    auto lock = LockSwitch(s.home(), project);
    if (!lock.ok()) return lock.status();
    const int pid = SwitchPid(pid_file);
    if (pid == 0) return Status::OK();
    // SIGTERM: the switch removes its socket and pid file (in a few ms).
    kill(pid, SIGTERM);
    for (int i = 0; i < 100 && SwitchPid(pid_file) == pid; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (SwitchPid(pid_file) == pid) {
      kill(pid, SIGKILL);
      std::error_code ec;
      std::filesystem::remove_all(sock, ec);
      unlink(pid_file.c_str());
    }
    stopped = true;
    return Status::OK();
  });
  if (!st.ok()) return st;
  return stopped;
}

Result<int> StopIdleSwitches(LocalStore& s) {
  int stopped = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(NetDir(s.home()), ec)) {
    const std::string name = e.path().filename().string();
    if (!name.ends_with(".pid")) continue;
    auto r = StopSwitchIfIdle(s, name.substr(0, name.size() - 4));
    if (!r.ok()) return r.status();
    stopped += *r;
  }
  return stopped;
}

}  // namespace imago::localcloud
