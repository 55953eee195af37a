#include "localcloud/instance_checks.h"

#include <cctype>
#include <set>

#include <fmt/format.h>

#include "base/strings.h"
#include "compute/names.h"
#include "compute/resource_ref.h"
#include "localcloud/unsupported.h"

namespace imago::localcloud {

using compute::AttachedDisk;
using compute::Instance;
using compute::Json;
using compute::Metadata;
using compute::Status;

Status ValidateMetadata(const Metadata& m) {
  size_t total = 0;
  std::set<std::string> seen;
  for (const auto& [k, v] : m.items) {
    bool ok = !k.empty() && k.size() < 128;
    for (char c : k) ok = ok && (isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    if (!ok) {
      return Status::InvalidField("metadata.items.key", k,
                                  "Keys are 1-127 characters of [a-zA-Z0-9-_].");
    }
    if (!seen.insert(k).second) {
      return Status::InvalidField("metadata.items.key", k, "Each key may appear once.");
    }
    if (!base::IsValidUtf8(v)) {
      return Status::InvalidField("metadata.items.value", k + "=...",
                                  "A value is UTF-8 text; this one is binary. Encode it (e.g. "
                                  "base64) and decode it in the guest.");
    }
    if (v.size() > 256 * 1024) {
      return Status::InvalidField("metadata.items.value", k + "=...",
                                  "A value holds at most 256 KiB.");
    }
    total += k.size() + v.size();
  }
  if (total > 512 * 1024) {
    return Status::Invalid("Metadata holds at most 512 KiB in all; it has " +
                           std::to_string(total) + " bytes.");
  }
  return Status::OK();
}

Status CheckSupported(const Instance& in, const std::string& where_in) {
  IMAGO_RETURN_IF_ERROR(RefuseUnsupported(
      in.extra, where_in,
      {{"guestAccelerators", "there are no GPUs or other accelerators here"},
       {"sourceMachineImage", "create the instance from an image (disks[].initializeParams)"},
       {"sourceMachineImageEncryptionKey", kNoEncryption},
       {"instanceEncryptionKey", kNoEncryption}}));
  // Every VM here has the DEFAULT tier; TIER_1 bandwidth cannot be had.
  if (in.extra.is_object() && in.extra.contains("networkPerformanceConfig")) {
    const Json& perf = in.extra["networkPerformanceConfig"];
    std::string tier = perf.is_object() ? perf.value("totalEgressBandwidthTier", "DEFAULT") : "";
    if (tier != "DEFAULT") {
      return Status::InvalidField(where_in + ".networkPerformanceConfig.totalEgressBandwidthTier",
                                  tier,
                                  "Not supported by the local cloud: the VMs' network has one "
                                  "speed, DEFAULT.");
    }
  }
  if (in.network_interfaces.size() > 1) {
    return Status::InvalidField(
        where_in + ".networkInterfaces",
        std::to_string(in.network_interfaces.size()) + " interfaces",
        "Not supported by the local cloud: an instance has one network interface.");
  }
  for (const auto& nic : in.network_interfaces) {
    for (auto [field, value] :
         {std::pair{"network", &nic.network}, std::pair{"subnetwork", &nic.subnetwork}}) {
      if (!value->empty() && compute::LastSegment(*value) != "default") {
        return Status::InvalidField(where_in + ".networkInterfaces[0]." + field, *value,
                                    "Not supported by the local cloud: it has one network, "
                                    "'default'; leave the field out or name that one.");
      }
    }
  }
  for (size_t i = 0; i < in.disks.size(); ++i) {
    const AttachedDisk& d = in.disks[i];
    std::string where = fmt::format("{}.disks[{}]", where_in, i);
    IMAGO_RETURN_IF_ERROR(
        RefuseUnsupported(d.extra, where, {{"diskEncryptionKey", kNoEncryption}}));
    if (d.type != "PERSISTENT" && !d.type.empty()) {
      return Status::InvalidField(where + ".type", d.type,
                                  "Not supported by the local cloud: disks are PERSISTENT (no "
                                  "local SSDs).");
    }
    if (d.mode != "READ_WRITE" && !d.mode.empty()) {
      return Status::InvalidField(where + ".mode", d.mode,
                                  "Not supported by the local cloud: disks are attached "
                                  "READ_WRITE.");
    }
    if (d.initialize_params) {
      IMAGO_RETURN_IF_ERROR(
          RefuseUnsupported(d.initialize_params->extra, where + ".initializeParams",
                            {{"sourceImageEncryptionKey", kNoEncryption},
                             {"sourceSnapshotEncryptionKey", kNoEncryption},
                             {"replicaZones", "disks live in one zone (no regional disks)"},
                             {"storagePool", "there are no storage pools"}}));
    }
  }
  return Status::OK();
}

}  // namespace imago::localcloud
