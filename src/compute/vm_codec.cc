#include "compute/vm_codec.h"

#include "compute/json_read.h"

namespace imago::compute {

using json_read::PutExtra;
using json_read::PutIfSet;
using json_read::Reader;

namespace {

Json LabelsJson(const Labels& l) {
  return l.empty() ? Json::object() : Json(l);
}

void PutInt(Json& j, const char* key, int64_t v) {
  if (v) j[key] = std::to_string(v);
}

Result<InitializeParams> InitializeParamsFromJson(const Json& j, const std::string& where) {
  InitializeParams p;
  Reader r(j, where, "AttachedDiskInitializeParams");
  r.Str("diskName", &p.disk_name)
      .Str("sourceImage", &p.source_image)
      .Str("sourceSnapshot", &p.source_snapshot)
      .I64("diskSizeGb", &p.disk_size_gb)
      .Str("diskType", &p.disk_type)
      .Str("description", &p.description)
      .Map("labels", &p.labels);
  IMAGO_RETURN_IF_ERROR(r.Done(&p.extra));
  return p;
}

Result<AccessConfig> AccessConfigFromJson(const Json& j, const std::string& where) {
  AccessConfig a;
  Reader r(j, where, "AccessConfig");
  r.Kind("compute#accessConfig").Str("type", &a.type).Str("name", &a.name).Str("natIP", &a.nat_ip);
  IMAGO_RETURN_IF_ERROR(r.Done(&a.extra));
  return a;
}

Result<NetworkInterface> NetworkInterfaceFromJson(const Json& j, const std::string& where) {
  NetworkInterface n;
  Reader r(j, where, "NetworkInterface");
  r.Kind("compute#networkInterface")
      .Str("name", &n.name)
      .Str("network", &n.network)
      .Str("networkIP", &n.network_ip)
      .Str("subnetwork", &n.subnetwork)
      .Arr("accessConfigs", [&](const Json& v, const std::string& w) {
        auto a = AccessConfigFromJson(v, w);
        if (a.ok()) n.access_configs.push_back(std::move(a.value()));
        return a.status();
      });
  IMAGO_RETURN_IF_ERROR(r.Done(&n.extra));
  return n;
}

Result<ForwardedPort> ForwardedPortFromJson(const Json& j, const std::string& where) {
  ForwardedPort p;
  Reader r(j, where);
  r.I32("guestPort", &p.guest_port).I32("hostPort", &p.host_port).Str("hostIp", &p.host_ip);
  IMAGO_RETURN_IF_ERROR(r.Done());
  return p;
}

}  // namespace

std::optional<std::string> Metadata::Get(const std::string& key) const {
  for (const auto& [k, v] : items) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::string MetadataFingerprint(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string canon;
  for (const auto& [k, v] : items) {
    canon += std::to_string(k.size()) + ":" + k + std::to_string(v.size()) + ":" + v + ";";
  }
  return ShortFingerprint(canon);
}

Json ToJson(const Disk& d) {
  Json j = Json::object();
  j["kind"] = "compute#disk";
  PutInt(j, "id", static_cast<int64_t>(d.id));
  PutIfSet(j, "creationTimestamp", d.creation_timestamp);
  j["name"] = d.name;
  PutIfSet(j, "description", d.description);
  PutIfSet(j, "zone", d.zone);
  PutInt(j, "sizeGb", d.size_gb);
  PutIfSet(j, "status", d.status);
  PutIfSet(j, "sourceImage", d.source_image);
  PutIfSet(j, "sourceImageId", d.source_image_id);
  PutIfSet(j, "sourceSnapshot", d.source_snapshot);
  PutIfSet(j, "sourceSnapshotId", d.source_snapshot_id);
  PutIfSet(j, "type", d.type);
  if (!d.users.empty()) j["users"] = d.users;
  if (!d.labels.empty()) j["labels"] = LabelsJson(d.labels);
  PutIfSet(j, "labelFingerprint", d.label_fingerprint);
  PutIfSet(j, "lastAttachTimestamp", d.last_attach_timestamp);
  PutIfSet(j, "lastDetachTimestamp", d.last_detach_timestamp);
  PutIfSet(j, "selfLink", d.self_link);
  PutExtra(j, d.extra);
  return j;
}

Result<Disk> DiskFromJson(const Json& j, std::string_view where) {
  Disk d;
  Reader r(j, std::string(where), "Disk");
  r.Kind("compute#disk")
      .U64("id", &d.id)
      .Str("creationTimestamp", &d.creation_timestamp)
      .Str("name", &d.name)
      .Str("description", &d.description)
      .Str("selfLink", &d.self_link)
      .Str("zone", &d.zone)
      .I64("sizeGb", &d.size_gb)
      .Str("type", &d.type)
      .Str("status", &d.status)
      .Str("sourceImage", &d.source_image)
      .Str("sourceImageId", &d.source_image_id)
      .Str("sourceSnapshot", &d.source_snapshot)
      .Str("sourceSnapshotId", &d.source_snapshot_id)
      .Strs("users", &d.users)
      .Map("labels", &d.labels)
      .Str("labelFingerprint", &d.label_fingerprint)
      .Str("lastAttachTimestamp", &d.last_attach_timestamp)
      .Str("lastDetachTimestamp", &d.last_detach_timestamp);
  IMAGO_RETURN_IF_ERROR(r.Done(&d.extra));
  return d;
}

Json ToJson(const Snapshot& s) {
  Json j = Json::object();
  j["kind"] = "compute#snapshot";
  PutInt(j, "id", static_cast<int64_t>(s.id));
  PutIfSet(j, "creationTimestamp", s.creation_timestamp);
  j["name"] = s.name;
  PutIfSet(j, "description", s.description);
  PutIfSet(j, "status", s.status);
  PutIfSet(j, "sourceDisk", s.source_disk);
  PutIfSet(j, "sourceDiskId", s.source_disk_id);
  PutInt(j, "diskSizeGb", s.disk_size_gb);
  PutInt(j, "storageBytes", s.storage_bytes);
  if (!s.labels.empty()) j["labels"] = LabelsJson(s.labels);
  PutIfSet(j, "labelFingerprint", s.label_fingerprint);
  PutIfSet(j, "selfLink", s.self_link);
  PutExtra(j, s.extra);
  return j;
}

Result<Snapshot> SnapshotFromJson(const Json& j, std::string_view where) {
  Snapshot s;
  Reader r(j, std::string(where), "Snapshot");
  r.Kind("compute#snapshot")
      .U64("id", &s.id)
      .Str("creationTimestamp", &s.creation_timestamp)
      .Str("name", &s.name)
      .Str("description", &s.description)
      .Str("selfLink", &s.self_link)
      .Str("status", &s.status)
      .Str("sourceDisk", &s.source_disk)
      .Str("sourceDiskId", &s.source_disk_id)
      .I64("diskSizeGb", &s.disk_size_gb)
      .I64("storageBytes", &s.storage_bytes)
      .Map("labels", &s.labels)
      .Str("labelFingerprint", &s.label_fingerprint);
  IMAGO_RETURN_IF_ERROR(r.Done(&s.extra));
  return s;
}

Json ToJson(const AttachedDisk& d) {
  Json j = {{"kind", "compute#attachedDisk"}, {"type", d.type}, {"mode", d.mode}};
  PutIfSet(j, "source", d.source);
  PutIfSet(j, "deviceName", d.device_name);
  j["index"] = d.index;
  j["boot"] = d.boot;
  j["autoDelete"] = d.auto_delete;
  PutIfSet(j, "interface", d.interface_);
  PutInt(j, "diskSizeGb", d.disk_size_gb);
  if (d.initialize_params) {
    const InitializeParams& p = *d.initialize_params;
    Json ip = Json::object();
    PutIfSet(ip, "diskName", p.disk_name);
    PutIfSet(ip, "sourceImage", p.source_image);
    PutIfSet(ip, "sourceSnapshot", p.source_snapshot);
    PutInt(ip, "diskSizeGb", p.disk_size_gb);
    PutIfSet(ip, "diskType", p.disk_type);
    PutIfSet(ip, "description", p.description);
    if (!p.labels.empty()) ip["labels"] = p.labels;
    PutExtra(ip, p.extra);
    j["initializeParams"] = ip;
  }
  PutExtra(j, d.extra);
  return j;
}

Result<AttachedDisk> AttachedDiskFromJson(const Json& j, std::string_view where) {
  AttachedDisk d;
  Reader r(j, std::string(where), "AttachedDisk");
  r.Kind("compute#attachedDisk")
      .Str("type", &d.type)
      .Str("mode", &d.mode)
      .Str("source", &d.source)
      .Str("deviceName", &d.device_name)
      .I32("index", &d.index)
      .Bool("boot", &d.boot)
      .Bool("autoDelete", &d.auto_delete)
      .Str("interface", &d.interface_)
      .I64("diskSizeGb", &d.disk_size_gb)
      .Obj("initializeParams", [&](const Json& v, const std::string& w) {
        auto p = InitializeParamsFromJson(v, w);
        if (p.ok()) d.initialize_params = std::move(p.value());
        return p.status();
      });
  IMAGO_RETURN_IF_ERROR(r.Done(&d.extra));
  return d;
}

Json ToJson(const Metadata& m) {
  Json j = {{"kind", "compute#metadata"}};
  PutIfSet(j, "fingerprint", m.fingerprint);
  if (!m.items.empty()) {
    Json items = Json::array();
    for (const auto& [k, v] : m.items) items.push_back({{"key", k}, {"value", v}});
    j["items"] = items;
  }
  return j;
}

Result<Metadata> MetadataFromJson(const Json& j, std::string_view where) {
  Metadata m;
  Reader r(j, std::string(where), "Metadata");
  r.Kind("compute#metadata")
      .Str("fingerprint", &m.fingerprint)
      .Arr("items", [&](const Json& v, const std::string& w) {
        std::string key, value;
        Reader item(v, w, "Items");
        item.Str("key", &key).Str("value", &value);
        IMAGO_RETURN_IF_ERROR(item.Done());
        m.items.emplace_back(std::move(key), std::move(value));
        return Status::OK();
      });
  IMAGO_RETURN_IF_ERROR(r.Done());
  return m;
}

Json ToJson(const Instance& in) {
  Json j = Json::object();
  j["kind"] = "compute#instance";
  PutInt(j, "id", static_cast<int64_t>(in.id));
  PutIfSet(j, "creationTimestamp", in.creation_timestamp);
  j["name"] = in.name;
  PutIfSet(j, "description", in.description);
  PutIfSet(j, "machineType", in.machine_type);
  PutIfSet(j, "status", in.status);
  PutIfSet(j, "statusMessage", in.status_message);
  PutIfSet(j, "zone", in.zone);
  Json nics = Json::array();
  for (const auto& n : in.network_interfaces) {
    Json x = {{"kind", "compute#networkInterface"}};
    PutIfSet(x, "name", n.name);
    PutIfSet(x, "network", n.network);
    PutIfSet(x, "subnetwork", n.subnetwork);
    PutIfSet(x, "networkIP", n.network_ip);
    Json acs = Json::array();
    for (const auto& a : n.access_configs) {
      Json y = {{"kind", "compute#accessConfig"}, {"type", a.type}, {"name", a.name}};
      PutIfSet(y, "natIP", a.nat_ip);
      PutExtra(y, a.extra);
      acs.push_back(y);
    }
    if (!acs.empty()) x["accessConfigs"] = acs;
    PutExtra(x, n.extra);
    nics.push_back(x);
  }
  if (!nics.empty()) j["networkInterfaces"] = nics;
  Json disks = Json::array();
  for (const auto& d : in.disks) disks.push_back(ToJson(d));
  if (!disks.empty()) j["disks"] = disks;
  j["metadata"] = ToJson(in.metadata);
  if (!in.labels.empty()) j["labels"] = in.labels;
  PutIfSet(j, "labelFingerprint", in.label_fingerprint);
  PutIfSet(j, "cpuPlatform", in.cpu_platform);
  PutIfSet(j, "lastStartTimestamp", in.last_start_timestamp);
  PutIfSet(j, "lastStopTimestamp", in.last_stop_timestamp);
  if (!in.forwarded_ports.empty()) {
    Json ports = Json::array();
    for (const auto& p : in.forwarded_ports) {
      ports.push_back(
          {{"guestPort", p.guest_port}, {"hostPort", p.host_port}, {"hostIp", p.host_ip}});
    }
    j["forwardedPorts"] = ports;
  }
  PutIfSet(j, "selfLink", in.self_link);
  PutExtra(j, in.extra);
  return j;
}

Result<Instance> InstanceFromJson(const Json& j, std::string_view where) {
  Instance in;
  Reader r(j, std::string(where), "Instance");
  r.Kind("compute#instance")
      .U64("id", &in.id)
      .Str("creationTimestamp", &in.creation_timestamp)
      .Str("name", &in.name)
      .Str("description", &in.description)
      .Str("selfLink", &in.self_link)
      .Str("zone", &in.zone)
      .Str("machineType", &in.machine_type)
      .Str("status", &in.status)
      .Str("statusMessage", &in.status_message)
      .Str("cpuPlatform", &in.cpu_platform)
      .Map("labels", &in.labels)
      .Str("labelFingerprint", &in.label_fingerprint)
      .Str("lastStartTimestamp", &in.last_start_timestamp)
      .Str("lastStopTimestamp", &in.last_stop_timestamp)
      .Arr("disks",
           [&](const Json& v, const std::string& w) {
             auto d = AttachedDiskFromJson(v, w);
             if (d.ok()) in.disks.push_back(std::move(d.value()));
             return d.status();
           })
      .Arr("networkInterfaces",
           [&](const Json& v, const std::string& w) {
             auto n = NetworkInterfaceFromJson(v, w);
             if (n.ok()) in.network_interfaces.push_back(std::move(n.value()));
             return n.status();
           })
      .Obj("metadata",
           [&](const Json& v, const std::string& w) {
             auto m = MetadataFromJson(v, w);
             if (m.ok()) in.metadata = std::move(m.value());
             return m.status();
           })
      .Arr("forwardedPorts", [&](const Json& v, const std::string& w) {
        auto p = ForwardedPortFromJson(v, w);
        if (p.ok()) in.forwarded_ports.push_back(p.value());
        return p.status();
      });
  IMAGO_RETURN_IF_ERROR(r.Done(&in.extra));
  return in;
}

Json ToJson(const SerialPortOutput& s) {
  return {{"kind", "compute#serialPortOutput"},
          {"contents", s.contents},
          {"start", std::to_string(s.start)},
          {"next", std::to_string(s.next)}};
}

Result<SerialPortOutput> SerialPortOutputFromJson(const Json& j) {
  SerialPortOutput s;
  Reader r(j, "serialPortOutput", "SerialPortOutput");
  r.Kind("compute#serialPortOutput")
      .Str("contents", &s.contents)
      .I64("start", &s.start)
      .I64("next", &s.next);
  IMAGO_RETURN_IF_ERROR(r.Done());
  return s;
}

}  // namespace imago::compute
