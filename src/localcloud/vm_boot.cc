#include "localcloud/vm_boot.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <set>
#include <sstream>

#include <fmt/format.h>

namespace imago::localcloud {

using compute::ForwardedPort;
using compute::Result;
using compute::Status;

Result<std::vector<ForwardedPort>> ParsePorts(const std::string& text) {
  std::vector<ForwardedPort> ports;
  std::istringstream in(text);
  std::set<int> guests, hosts;
  for (std::string item; std::getline(in, item, ',');) {
    if (item.empty()) continue;
    ForwardedPort p;
    size_t colon = item.find(':');
    auto num = [](const std::string& s) {
      char* end = nullptr;
      long v = strtol(s.c_str(), &end, 10);
      return (s.empty() || *end || v < 1 || v > 65535) ? -1 : static_cast<int>(v);
    };
    p.guest_port = num(colon == std::string::npos ? item : item.substr(colon + 1));
    if (colon != std::string::npos) p.host_port = num(item.substr(0, colon));
    if (p.guest_port < 0 || p.host_port < 0) {
      return Status::InvalidField(std::string("metadata.") + kPortsKey, text,
                                  "Ports are GUEST or HOST:GUEST numbers 1-65535, comma-separated "
                                  "(e.g. 80 or 8080:80,443).");
    }
    if (!guests.insert(p.guest_port).second || (p.host_port && !hosts.insert(p.host_port).second)) {
      return Status::InvalidField(std::string("metadata.") + kPortsKey, text,
                                  "Each port may be forwarded once.");
    }
    ports.push_back(p);
  }
  return ports;
}

Status CheckHostPortsFree(const std::vector<ForwardedPort>& ports) {
  for (const auto& p : ports) {
    if (p.host_port && !PortFree(p.host_port)) {
      return Status::ResourceInUse(fmt::format(
          "Host port {} is already in use on 127.0.0.1; choose another (--ports HOST:GUEST) or "
          "let imago pick one (--ports GUEST).",
          p.host_port));
    }
  }
  return Status::OK();
}

Result<BootResult> BootVm(BootRequest req) {
  if (req.vm.disks.empty()) return Status::Invalid("The instance has no boot disk.");
  if (req.boot_content.empty()) {
    return Status::Invalid(
        "The boot disk has no kernel: it is blank. Boot from a disk made from an image.");
  }
  auto boot = ExtractBootFiles(req.boot_content, req.boot_format, req.boot_cache_dir);
  if (!boot.ok()) return boot.status();
  req.vm.boot = *boot;
  Result<int> pid = Status::Unavailable("QEMU was not started");
  for (int attempt = 0; attempt < 3; ++attempt) {
    req.vm.ports = req.wanted;
    IMAGO_RETURN_IF_ERROR(CheckHostPortsFree(req.vm.ports));
    for (auto& p : req.vm.ports) {
      if (p.host_port) continue;
      auto it = req.previous.find(p.guest_port);
      if (attempt == 0 && it != req.previous.end() && PortFree(it->second)) {
        p.host_port = it->second;
        continue;
      }
      auto free = PickFreePort();
      if (!free.ok()) return free.status();
      p.host_port = *free;
    }
    pid = LaunchVm(req.vm);
    // Another process took a picked port between the check and QEMU's bind: again.
    if (pid.ok() || pid.status().code() != compute::Code::kResourceInUse) break;
  }
  if (!pid.ok()) return pid.status();
  return BootResult{*pid, req.vm.ports};
}

}  // namespace imago::localcloud
