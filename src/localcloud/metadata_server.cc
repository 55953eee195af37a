#include "localcloud/metadata_server.h"
#include "localcloud/vpc.h"

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "compute/resource_ref.h"
#include "compute/types.h"
#include "localcloud/project_number.h"

namespace imago::localcloud {

using compute::Instance;
using nlohmann::json;

namespace {

constexpr const char* kPrefix = "/computeMetadata/v1/";

std::string ProjectNumberText(const std::string& project) {
  return std::to_string(ProjectNumber(project));
}

// The instance/ tree as GCE's recursive JSON shows it.
json InstanceTree(const Instance& in, const std::string& project) {
  json attrs = json::object();
  for (const auto& [k, v] : in.metadata.items) attrs[k] = v;
  std::string zone = compute::LastSegment(in.zone);
  json tags = in.extra.contains("tags") && in.extra["tags"].is_object()
                  ? in.extra["tags"].value("items", json::array())
                  : json::array();
  // The instance's own hostname when it set one (Instance.hostname), else
  // GCE's zonal DNS name.
  std::string hostname = in.name + "." + zone + ".c." + project + ".internal";
  if (in.extra.is_object() && in.extra.contains("hostname") && in.extra["hostname"].is_string()) {
    hostname = in.extra["hostname"].get<std::string>();
  }
  // GCE's instance/disks/: boot first, then in attachment order, which is
  // the order of the NVMe namespaces the VM booted with (vm_boot).
  json disks = json::array();
  std::vector<const compute::AttachedDisk*> order;
  for (const auto& d : in.disks) {
    if (d.boot) order.insert(order.begin(), &d);
  }
  for (const auto& d : in.disks) {
    if (!d.boot) order.push_back(&d);
  }
  for (const auto* d : order) {
    disks.push_back({{"deviceName", d->device_name},
                     {"index", d->index},
                     {"interface", "NVME"},
                     {"mode", d->mode.empty() ? std::string("READ_WRITE") : d->mode},
                     {"type", "PERSISTENT"}});
  }
  return {
      {"attributes", attrs},
      {"disks", disks},
      {"id", in.id},
      {"name", in.name},
      {"hostname", hostname},
      {"zone", "projects/" + ProjectNumberText(project) + "/zones/" + zone},
      {"machineType", "projects/" + ProjectNumberText(project) + "/machineTypes/" +
                          compute::LastSegment(in.machine_type)},
      {"tags", tags},
      {"image", ""},
      {"networkInterfaces",
       json::array(
           {{{"ip", in.network_interfaces.empty() ? std::string("169.254.0.15")
                                                  : in.network_interfaces[0].network_ip},
             {"subnetmask", kVpcMask},
             {"gateway", kVpcGateway},
             {"mac", in.network_interfaces.empty() ? std::string()
                                                   : VpcMac(in.network_interfaces[0].network_ip)},
             {"network", "projects/" + ProjectNumberText(project) + "/networks/default"},
             {"accessConfigs",
              json::array({{{"externalIp", "127.0.0.1"}, {"type", "ONE_TO_ONE_NAT"}}})}}})},
      {"serviceAccounts", json::object()}};
}

json ProjectTree(const std::string& project, const compute::Metadata& common) {
  json attributes = json::object();
  for (const auto& [k, v] : common.items) attributes[k] = v;
  return {{"projectId", project},
          {"numericProjectId", ProjectNumber(project)},
          {"attributes", attributes}};
}

// GCE's paths are kebab-case where its JSON is camelCase.
std::string CamelOf(const std::string& seg) {
  std::string out;
  bool up = false;
  for (char c : seg) {
    if (c == '-') {
      up = true;
    } else {
      out += up ? static_cast<char>(toupper(c)) : c;
      up = false;
    }
  }
  return out;
}

MetadataResponse Text(int status, std::string body) {
  MetadataResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

MetadataResponse NotFound() {
  MetadataResponse r = Text(404, "");
  r.content_type = "text/html; charset=UTF-8";
  r.body =
      "<!DOCTYPE html>\n<html lang=en>\n<title>Error 404 (Not Found)!!1</title>\n"
      "<p><b>404.</b> <ins>That's an error.</ins>\n<p>The requested URL was not found on this "
      "server. <ins>That's all we know.</ins>\n";
  return r;
}

}  // namespace

MetadataResponse AnswerMetadata(const MetadataRequest& req, const Instance& instance,
                                const std::string& project, const compute::Metadata& common) {
  if (req.path == "/" || req.path.empty()) return Text(200, "computeMetadata/\n");
  if (req.method != "GET" && req.method != "HEAD") return Text(405, "Method not allowed\n");
  if (req.headers.count("x-forwarded-for")) return Text(403, "Forbidden\n");
  auto flavor = req.headers.find("metadata-flavor");
  if (flavor == req.headers.end() || flavor->second != "Google") {
    MetadataResponse r = Text(403, "");
    r.content_type = "text/html; charset=UTF-8";
    r.body = "Missing Metadata-Flavor:Google header.\n";
    return r;
  }
  if (req.path == "/computeMetadata/" || req.path == "/computeMetadata") {
    return Text(200, "v1/\n");
  }
  if (!req.path.starts_with(kPrefix) && req.path != "/computeMetadata/v1") return NotFound();
  std::string rest = req.path.size() > strlen(kPrefix) ? req.path.substr(strlen(kPrefix)) : "";
  bool dir = rest.empty() || rest.back() == '/';
  json node = {{"instance", InstanceTree(instance, project)},
               {"project", ProjectTree(project, common)}};
  bool in_attributes = false;
  size_t start = 0;
  while (start < rest.size()) {
    size_t end = rest.find('/', start);
    if (end == std::string::npos) end = rest.size();
    std::string seg;
    if (!UrlDecode(rest.substr(start, end - start), &seg)) return Text(400, "Bad Request\n");
    start = end + 1;
    if (seg.empty()) continue;
    // Attribute keys are taken as they are; other segments are kebab-case.
    std::string key = in_attributes ? seg : CamelOf(seg);
    in_attributes = seg == "attributes";
    if (node.is_object() && node.contains(key)) {
      node = node[key];
    } else if (uint64_t index = 0;
               node.is_array() && base::ParseUint64(seg, &index) && index < node.size()) {
      node = node[index];
    } else {
      return NotFound();
    }
  }
  auto q = [&](const char* k) {
    auto it = req.query.find(k);
    return it == req.query.end() ? std::string() : it->second;
  };
  bool recursive = q("recursive") == "true";
  std::string alt = q("alt");
  MetadataResponse r;
  if (node.is_object() || node.is_array()) {
    if (node.is_object() && !dir && !recursive) {
      // GCE redirects a directory without its slash.
      r.status = 301;
      r.body = req.path + "/";
      return r;
    }
    if (recursive || alt == "json") {
      r.content_type = "application/json";
      r.body = node.dump();
    } else if (node.is_object()) {
      for (const auto& [k, v] : node.items()) {
        std::string name = k;
        r.body += name + (v.is_object() || v.is_array() ? "/" : "") + "\n";
      }
    } else {
      for (size_t i = 0; i < node.size(); ++i) r.body += std::to_string(i) + "/\n";
    }
  } else if (alt == "json") {
    r.content_type = "application/json";
    r.body = node.dump();
  } else {
    r.body = node.is_string() ? node.get<std::string>() : node.dump();
  }
  r.etag = compute::ShortFingerprint(r.body).substr(0, 11);
  for (char& c : r.etag) {
    if (c == '+' || c == '/' || c == '=') c = '0';
  }
  return r;
}

namespace {

// Reads one request head (up to the blank line) from `fd`; false at EOF,
// after 30 s of silence, or for anything that is not a request.
bool ReadRequest(int fd, std::string* buf, MetadataRequest* req) {
  while (buf->find("\r\n\r\n") == std::string::npos) {
    if (buf->size() > kMaxMetadataRequest) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 30000) <= 0) return false;
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buf->append(chunk, static_cast<size_t>(n));
  }
  size_t head_end = buf->find("\r\n\r\n");
  std::string head = buf->substr(0, head_end);
  buf->erase(0, head_end + 4);
  return ParseRequestHead(head, req);
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 301:
      return "Moved Permanently";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    default:
      return "Service Unavailable";
  }
}

bool WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return false;
    off += n;
  }
  return true;
}

}  // namespace

void ServeMetadataConnection(
    int in_fd, int out_fd, const std::function<compute::Result<Instance>()>& load,
    const std::string& project,
    const std::function<compute::Result<compute::Metadata>()>& load_common) {
  auto common = [&]() {
    if (!load_common) return compute::Metadata{};
    auto m = load_common();
    return m.ok() ? std::move(m.value()) : compute::Metadata{};
  };
  std::string buf;
  MetadataRequest req;
  while (ReadRequest(in_fd, &buf, &req)) {
    auto instance = load();
    MetadataResponse resp;
    if (!instance.ok()) {
      resp = Text(503, "The instance is gone: " + instance.status().message() + "\n");
    } else {
      resp = AnswerMetadata(req, *instance, project, common());
      auto wait = req.query.find("wait_for_change");
      if (resp.status == 200 && wait != req.query.end() && wait->second == "true") {
        // A hanging GET: answer when the value's ETag differs from last_etag.
        std::string last = req.query.count("last_etag") ? req.query["last_etag"] : "0";
        int timeout = 3600;
        if (req.query.count("timeout_sec"))
          timeout = std::max(1, atoi(req.query["timeout_sec"].c_str()));
        auto end = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
        while (resp.etag == last && std::chrono::steady_clock::now() < end) {
          std::this_thread::sleep_for(std::chrono::milliseconds(250));
          // The guest (or its QEMU) went away: nobody waits for the answer.
          pollfd p{in_fd, POLLRDHUP, 0};
          if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR))) return;
          auto again = load();
          if (!again.ok()) break;
          resp = AnswerMetadata(req, *again, project, common());
        }
      }
    }
    std::string head = fmt::format(
        "HTTP/1.1 {} {}\r\nMetadata-Flavor: Google\r\nServer: Metadata Server for VM\r\n"
        "Content-Type: {}\r\nContent-Length: {}\r\nX-XSS-Protection: 0\r\n"
        "X-Frame-Options: SAMEORIGIN\r\n",
        resp.status, Reason(resp.status), resp.content_type, resp.body.size());
    if (!resp.etag.empty()) head += "ETag: " + resp.etag + "\r\n";
    if (resp.status == 301) head += "Location: " + resp.body + "\r\n";
    bool close_after = req.headers["connection"] == "close";
    if (close_after) head += "Connection: close\r\n";
    head += "\r\n";
    if (!WriteAll(out_fd, head + (req.method == "HEAD" ? "" : resp.body))) return;
    if (close_after) return;
  }
}

}  // namespace imago::localcloud
