#include "localcloud/vpc.h"

#include <arpa/inet.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <thread>

#include <fmt/format.h>

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

Result<std::string> EnsureSwitch(const std::string& home, const std::string& project) {
  const std::string dir = home + "/net";
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Unavailable("cannot create " + dir + ": " + strerror(errno));
  }
  const std::string sock = dir + "/" + project + ".vde";
  const std::string pid_file = dir + "/" + project + ".pid";
  if (SwitchPid(pid_file) != 0) return sock;
  const std::string bin = VdeSwitchBinary();
  if (bin.empty()) {
    return Status::Unavailable(
        "vde_switch is not installed, and instances reach each other through it: apt-get "
        "install vde2 (make deps installs it)");
  }
  // Two commands at once may both start one: the second finds the socket
  // taken and fails, which is fine as long as one runs.
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

}  // namespace imago::localcloud
