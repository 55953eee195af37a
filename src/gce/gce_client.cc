#include "gce/gce_client.h"

#include <thread>

#include <fmt/format.h>

#include "compute/json_codec.h"
#include "compute/json_read.h"
#include "compute/resource_ref.h"
#include "compute/vm_codec.h"

namespace imago::gce {

using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Status;

namespace {

bool Retryable(int http_status) {
  return http_status == 429 || http_status == 408 || http_status >= 500;
}

std::string P(const std::string& project) {
  return "projects/" + UrlEncode(project) + "/";
}
std::string Z(const std::string& project, const std::string& zone) {
  return P(project) + "zones/" + UrlEncode(zone) + "/";
}

// Reads an answer with `read`, skipping fields this build does not know.
template <typename T, typename Read>
Result<T> ReadAnswer(const Json& j, Read read) {
  compute::json_read::LenientReading lenient;
  return read(j);
}

template <typename T, typename Read>
Result<ListPage<T>> ReadPage(const Json& j, Read read) {
  ListPage<T> page;
  if (!j.is_object()) return Status::Unavailable("the server's list answer is not an object");
  if (j.contains("items") && j["items"].is_array()) {
    for (const auto& x : j["items"]) {
      auto item = ReadAnswer<T>(x, read);
      if (!item.ok())
        return Status::Unavailable("unreadable item in a list: " + item.status().message());
      page.items.push_back(std::move(item.value()));
    }
  }
  page.next_page_token = j.value("nextPageToken", "");
  if (j.contains("warning") && j["warning"].is_object()) {
    compute::Warning w;
    w.code = j["warning"].value("code", "");
    w.message = j["warning"].value("message", "");
    page.warning = w;
  }
  return page;
}

}  // namespace

GceClient::GceClient(GceClientOptions options)
    : options_(std::move(options)), rng_(std::random_device{}()) {
  if (!options_.transport) options_.transport = std::make_shared<CurlTransport>();
  if (!options_.endpoint.empty() && options_.endpoint.back() != '/') options_.endpoint += '/';
  if (!options_.sleep) {
    options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  }
}

GceClientStats GceClient::stats() const {
  std::lock_guard lock(const_cast<std::mutex&>(mu_));
  return stats_;
}

std::string GceClient::NewRequestId() {
  std::lock_guard lock(mu_);
  uint64_t a = rng_(), b = rng_();
  // UUID version 4, variant 10.
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFFF,
                     b >> 48, b & 0xFFFFFFFFFFFFULL);
}

GceClient::Query GceClient::ListQuery(const ListOptions& o) {
  Query q;
  if (!o.filter.empty()) q.params.emplace_back("filter", o.filter);
  if (!o.order_by.empty()) q.params.emplace_back("orderBy", o.order_by);
  if (!o.page_token.empty()) q.params.emplace_back("pageToken", o.page_token);
  if (o.max_results != 500) q.params.emplace_back("maxResults", std::to_string(o.max_results));
  return q;
}

Result<Json> GceClient::Call(const std::string& method, const std::string& path, Query query,
                             const Json* body, const MutationOptions* mutation) {
  if (mutation) {
    std::string id = mutation->request_id.empty() ? NewRequestId() : mutation->request_id;
    query.params.emplace_back("requestId", id);  // The same on every retry below.
  }
  HttpCall call;
  call.method = method;
  call.url = options_.endpoint + path;
  for (size_t i = 0; i < query.params.size(); ++i) {
    call.url += (i == 0 ? "?" : "&") + UrlEncode(query.params[i].first) + "=" +
                UrlEncode(query.params[i].second);
  }
  if (body) call.body = body->dump();
  auto start = std::chrono::steady_clock::now();
  auto backoff = options_.retry.initial_backoff;
  bool refreshed = false;
  std::string last_error;
  while (true) {
    auto token = options_.credentials->Token(refreshed);
    if (!token.ok()) return token.status();
    call.headers = {{"Authorization", "Bearer " + *token}, {"Accept", "application/json"}};
    if (body) call.headers.emplace_back("Content-Type", "application/json");
    {
      std::lock_guard lock(mu_);
      ++stats_.requests;
    }
    auto reply = options_.transport->Send(call);
    std::chrono::milliseconds wait = backoff;
    if (reply.ok() && reply->status >= 200 && reply->status < 300) {
      if (reply->body.empty()) return Json();
      Json j = Json::parse(reply->body, nullptr, false);
      if (j.is_discarded()) {
        last_error = "the server answered " + std::to_string(reply->status) + " with broken JSON";
      } else {
        return j;
      }
    } else if (reply.ok() && reply->status == 401 && !refreshed) {
      refreshed = true;  // The token may have expired: one more try with a fresh one.
      continue;
    } else if (reply.ok() && !Retryable(reply->status)) {
      Json j = Json::parse(reply->body, nullptr, false);
      Status st = compute::StatusFromErrorJson(reply->status, j.is_discarded() ? Json() : j);
      if (reply->status == 401 || reply->status == 403) {
        return Status(st.code(),
                      st.message() + " (credential: " + options_.credentials->Describe() + ")");
      }
      return st;
    } else if (reply.ok()) {
      last_error = "HTTP " + std::to_string(reply->status);
      auto ra = reply->headers.find("retry-after");
      if (ra != reply->headers.end()) {
        int secs = atoi(ra->second.c_str());
        if (secs > 0) wait = std::chrono::milliseconds(secs * 1000);
      }
    } else {
      last_error = reply.status().message();
    }
    // Retry with jitter: a random wait in [wait/2, wait].
    std::chrono::milliseconds jittered;
    {
      std::lock_guard lock(mu_);
      long half = std::max<long>(1, wait.count() / 2);
      jittered = std::chrono::milliseconds(half + static_cast<long>(rng_() % (half + 1)));
      ++stats_.retries;
    }
    auto elapsed = std::chrono::steady_clock::now() - start;
    if (elapsed + jittered > options_.retry.total) {
      return Status::Unavailable(
          fmt::format("{} {} failed after {:.1f} s of retries: {}", method, call.url,
                      std::chrono::duration<double>(elapsed).count(), last_error));
    }
    options_.sleep(jittered);
    backoff = std::min(
        options_.retry.max_backoff,
        std::chrono::milliseconds(static_cast<long>(backoff.count() * options_.retry.multiplier)));
  }
}

Result<Operation> GceClient::WaitFor(Operation op) {
  while (!op.done()) {
    std::string path;
    if (!op.zone.empty()) {
      std::string zone = compute::LastSegment(op.zone);
      std::string project = op.self_link.substr(op.self_link.find("projects/") + 9);
      project = project.substr(0, project.find('/'));
      path = Z(project, zone) + "operations/" + UrlEncode(op.name) + "/wait";
    } else {
      std::string project = op.self_link.substr(op.self_link.find("projects/") + 9);
      project = project.substr(0, project.find('/'));
      path = P(project) + "global/operations/" + UrlEncode(op.name) + "/wait";
    }
    auto j = Call("POST", path, {}, nullptr, nullptr);
    if (!j.ok() && j.status().code() == compute::Code::kNotFound) {
      // A server without `wait`: poll `get`.
      options_.sleep(std::chrono::milliseconds(500));
      j = Call("GET", path.substr(0, path.size() - 5), {}, nullptr, nullptr);
    }
    if (!j.ok()) return j.status();
    auto next =
        ReadAnswer<Operation>(*j, [](const Json& x) { return compute::OperationFromJson(x); });
    if (!next.ok()) return next.status();
    op = std::move(next.value());
  }
  return op;
}

Result<Operation> GceClient::Mutate(const std::string& method, const std::string& path, Query query,
                                    const Json* body, const MutationOptions& opts) {
  auto j = Call(method, path, std::move(query), body, &opts);
  if (!j.ok()) return j.status();
  auto op = ReadAnswer<Operation>(*j, [](const Json& x) { return compute::OperationFromJson(x); });
  if (!op.ok()) return op.status();
  return WaitFor(std::move(op.value()));
}

// ---------------------------------------------------------------- images

#define IMAGO_READ(Type, fn) [](const Json& x) { return compute::fn(x); }

Result<Operation> GceClient::InsertImage(const std::string& project, const compute::Image& image,
                                         const MutationOptions& opts) {
  Json body = compute::ToJson(image);
  return Mutate("POST", P(project) + "global/images", {}, &body, opts);
}

Result<compute::Image> GceClient::GetImage(const std::string& project, const std::string& image) {
  auto j = Call("GET", P(project) + "global/images/" + UrlEncode(image), {}, nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadAnswer<compute::Image>(*j, IMAGO_READ(Image, ImageFromJson));
}

Result<compute::Image> GceClient::GetImageFromFamily(const std::string& project,
                                                     const std::string& family) {
  auto j =
      Call("GET", P(project) + "global/images/family/" + UrlEncode(family), {}, nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadAnswer<compute::Image>(*j, IMAGO_READ(Image, ImageFromJson));
}

Result<ListPage<compute::Image>> GceClient::ListImages(const std::string& project,
                                                       const ListOptions& opts) {
  auto j = Call("GET", P(project) + "global/images", ListQuery(opts), nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadPage<compute::Image>(*j, IMAGO_READ(Image, ImageFromJson));
}

Result<Operation> GceClient::DeleteImage(const std::string& project, const std::string& image,
                                         const MutationOptions& opts) {
  return Mutate("DELETE", P(project) + "global/images/" + UrlEncode(image), {}, nullptr, opts);
}

Result<Operation> GceClient::DeprecateImage(const std::string& project, const std::string& image,
                                            const std::optional<compute::DeprecationStatus>& status,
                                            const MutationOptions& opts) {
  Json body = status ? compute::ToJson(*status) : Json::object();
  return Mutate("POST", P(project) + "global/images/" + UrlEncode(image) + "/deprecate", {}, &body,
                opts);
}

Result<Operation> GceClient::SetImageLabels(const std::string& project, const std::string& image,
                                            const compute::Labels& labels,
                                            const std::string& fingerprint,
                                            const MutationOptions& opts) {
  Json body = {{"labels", labels.empty() ? Json::object() : Json(labels)},
               {"labelFingerprint", fingerprint}};
  return Mutate("POST", P(project) + "global/images/" + UrlEncode(image) + "/setLabels", {}, &body,
                opts);
}

Result<Operation> GceClient::PatchImage(const std::string& project, const std::string& image,
                                        const compute::ImagePatch& patch,
                                        const MutationOptions& opts) {
  Json body = Json::object();
  if (patch.family) body["family"] = *patch.family;
  if (patch.description) body["description"] = *patch.description;
  if (patch.deprecated) body["deprecated"] = compute::ToJson(*patch.deprecated);
  return Mutate("PATCH", P(project) + "global/images/" + UrlEncode(image), {}, &body, opts);
}

// ---------------------------------------------------------------- operations

Result<Operation> GceClient::GetGlobalOperation(const std::string& project,
                                                const std::string& operation) {
  auto j =
      Call("GET", P(project) + "global/operations/" + UrlEncode(operation), {}, nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadAnswer<Operation>(*j, IMAGO_READ(Operation, OperationFromJson));
}

Result<Operation> GceClient::WaitGlobalOperation(const std::string& project,
                                                 const std::string& operation) {
  auto j = Call("POST", P(project) + "global/operations/" + UrlEncode(operation) + "/wait", {},
                nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadAnswer<Operation>(*j, IMAGO_READ(Operation, OperationFromJson));
}

Result<ListPage<Operation>> GceClient::ListGlobalOperations(const std::string& project,
                                                            const ListOptions& opts) {
  auto j = Call("GET", P(project) + "global/operations", ListQuery(opts), nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadPage<Operation>(*j, IMAGO_READ(Operation, OperationFromJson));
}

Status GceClient::DeleteGlobalOperation(const std::string& project, const std::string& operation) {
  return Call("DELETE", P(project) + "global/operations/" + UrlEncode(operation), {}, nullptr,
              nullptr)
      .status();
}

Result<Operation> GceClient::GetZoneOperation(const std::string& project, const std::string& zone,
                                              const std::string& operation) {
  auto j =
      Call("GET", Z(project, zone) + "operations/" + UrlEncode(operation), {}, nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadAnswer<Operation>(*j, IMAGO_READ(Operation, OperationFromJson));
}

Result<Operation> GceClient::WaitZoneOperation(const std::string& project, const std::string& zone,
                                               const std::string& operation) {
  auto j = Call("POST", Z(project, zone) + "operations/" + UrlEncode(operation) + "/wait", {},
                nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadAnswer<Operation>(*j, IMAGO_READ(Operation, OperationFromJson));
}

Result<ListPage<Operation>> GceClient::ListZoneOperations(const std::string& project,
                                                          const std::string& zone,
                                                          const ListOptions& opts) {
  auto j = Call("GET", Z(project, zone) + "operations", ListQuery(opts), nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadPage<Operation>(*j, IMAGO_READ(Operation, OperationFromJson));
}

Status GceClient::DeleteZoneOperation(const std::string& project, const std::string& zone,
                                      const std::string& operation) {
  return Call("DELETE", Z(project, zone) + "operations/" + UrlEncode(operation), {}, nullptr,
              nullptr)
      .status();
}

// ---------------------------------------------------------------- zones, disks, snapshots

Result<std::vector<compute::Zone>> GceClient::ListZones(const std::string& project) {
  std::vector<compute::Zone> zones;
  ListOptions o;
  while (true) {
    auto j = Call("GET", P(project) + "zones", ListQuery(o), nullptr, nullptr);
    if (!j.ok()) return j.status();
    auto page = ReadPage<compute::Zone>(*j, IMAGO_READ(Zone, ZoneFromJson));
    if (!page.ok()) return page.status();
    for (auto& z : page->items) zones.push_back(std::move(z));
    if (page->next_page_token.empty()) return zones;
    o.page_token = page->next_page_token;
  }
}

Result<Operation> GceClient::InsertDisk(const std::string& project, const std::string& zone,
                                        const compute::Disk& disk, const MutationOptions& opts) {
  Json body = compute::ToJson(disk);
  return Mutate("POST", Z(project, zone) + "disks", {}, &body, opts);
}

Result<compute::Disk> GceClient::GetDisk(const std::string& project, const std::string& zone,
                                         const std::string& disk) {
  auto j = Call("GET", Z(project, zone) + "disks/" + UrlEncode(disk), {}, nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadAnswer<compute::Disk>(*j, IMAGO_READ(Disk, DiskFromJson));
}

Result<ListPage<compute::Disk>> GceClient::ListDisks(const std::string& project,
                                                     const std::string& zone,
                                                     const ListOptions& opts) {
  auto j = Call("GET", Z(project, zone) + "disks", ListQuery(opts), nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadPage<compute::Disk>(*j, IMAGO_READ(Disk, DiskFromJson));
}

Result<Operation> GceClient::DeleteDisk(const std::string& project, const std::string& zone,
                                        const std::string& disk, const MutationOptions& opts) {
  return Mutate("DELETE", Z(project, zone) + "disks/" + UrlEncode(disk), {}, nullptr, opts);
}

Result<Operation> GceClient::CreateSnapshot(const std::string& project, const std::string& zone,
                                            const std::string& disk,
                                            const compute::Snapshot& snapshot,
                                            const MutationOptions& opts) {
  Json body = compute::ToJson(snapshot);
  return Mutate("POST", Z(project, zone) + "disks/" + UrlEncode(disk) + "/createSnapshot", {},
                &body, opts);
}

Result<compute::Snapshot> GceClient::GetSnapshot(const std::string& project,
                                                 const std::string& snapshot) {
  auto j =
      Call("GET", P(project) + "global/snapshots/" + UrlEncode(snapshot), {}, nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadAnswer<compute::Snapshot>(*j, IMAGO_READ(Snapshot, SnapshotFromJson));
}

Result<ListPage<compute::Snapshot>> GceClient::ListSnapshots(const std::string& project,
                                                             const ListOptions& opts) {
  auto j = Call("GET", P(project) + "global/snapshots", ListQuery(opts), nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadPage<compute::Snapshot>(*j, IMAGO_READ(Snapshot, SnapshotFromJson));
}

Result<Operation> GceClient::DeleteSnapshot(const std::string& project, const std::string& snapshot,
                                            const MutationOptions& opts) {
  return Mutate("DELETE", P(project) + "global/snapshots/" + UrlEncode(snapshot), {}, nullptr,
                opts);
}

// ---------------------------------------------------------------- instances

Result<Operation> GceClient::InsertInstance(const std::string& project, const std::string& zone,
                                            const compute::Instance& instance,
                                            const MutationOptions& opts) {
  Json body = compute::ToJson(instance);
  body.erase("forwardedPorts");  // Output only, and not a GCE field.
  return Mutate("POST", Z(project, zone) + "instances", {}, &body, opts);
}

Result<compute::Instance> GceClient::GetInstance(const std::string& project,
                                                 const std::string& zone,
                                                 const std::string& instance) {
  auto j = Call("GET", Z(project, zone) + "instances/" + UrlEncode(instance), {}, nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadAnswer<compute::Instance>(*j, IMAGO_READ(Instance, InstanceFromJson));
}

Result<ListPage<compute::Instance>> GceClient::ListInstances(const std::string& project,
                                                             const std::string& zone,
                                                             const ListOptions& opts) {
  auto j = Call("GET", Z(project, zone) + "instances", ListQuery(opts), nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadPage<compute::Instance>(*j, IMAGO_READ(Instance, InstanceFromJson));
}

Result<Operation> GceClient::DeleteInstance(const std::string& project, const std::string& zone,
                                            const std::string& instance,
                                            const MutationOptions& opts) {
  return Mutate("DELETE", Z(project, zone) + "instances/" + UrlEncode(instance), {}, nullptr, opts);
}

Result<Operation> GceClient::StartInstance(const std::string& project, const std::string& zone,
                                           const std::string& instance,
                                           const MutationOptions& opts) {
  return Mutate("POST", Z(project, zone) + "instances/" + UrlEncode(instance) + "/start", {},
                nullptr, opts);
}

Result<Operation> GceClient::StopInstance(const std::string& project, const std::string& zone,
                                          const std::string& instance,
                                          const MutationOptions& opts) {
  return Mutate("POST", Z(project, zone) + "instances/" + UrlEncode(instance) + "/stop", {},
                nullptr, opts);
}

Result<Operation> GceClient::ResetInstance(const std::string& project, const std::string& zone,
                                           const std::string& instance,
                                           const MutationOptions& opts) {
  return Mutate("POST", Z(project, zone) + "instances/" + UrlEncode(instance) + "/reset", {},
                nullptr, opts);
}

Result<Operation> GceClient::AttachDisk(const std::string& project, const std::string& zone,
                                        const std::string& instance,
                                        const compute::AttachedDisk& disk,
                                        const MutationOptions& opts) {
  Json body = compute::ToJson(disk);
  return Mutate("POST", Z(project, zone) + "instances/" + UrlEncode(instance) + "/attachDisk", {},
                &body, opts);
}

Result<Operation> GceClient::DetachDisk(const std::string& project, const std::string& zone,
                                        const std::string& instance, const std::string& device_name,
                                        const MutationOptions& opts) {
  Query q;
  q.params.emplace_back("deviceName", device_name);
  return Mutate("POST", Z(project, zone) + "instances/" + UrlEncode(instance) + "/detachDisk", q,
                nullptr, opts);
}

Result<Operation> GceClient::SetInstanceMetadata(const std::string& project,
                                                 const std::string& zone,
                                                 const std::string& instance,
                                                 const compute::Metadata& metadata,
                                                 const MutationOptions& opts) {
  Json body = compute::ToJson(metadata);
  return Mutate("POST", Z(project, zone) + "instances/" + UrlEncode(instance) + "/setMetadata", {},
                &body, opts);
}

Result<compute::SerialPortOutput> GceClient::GetSerialPortOutput(const std::string& project,
                                                                 const std::string& zone,
                                                                 const std::string& instance,
                                                                 int port, int64_t start) {
  Query q;
  q.params.emplace_back("port", std::to_string(port));
  q.params.emplace_back("start", std::to_string(start));
  auto j = Call("GET", Z(project, zone) + "instances/" + UrlEncode(instance) + "/serialPort", q,
                nullptr, nullptr);
  if (!j.ok()) return j.status();
  return ReadAnswer<compute::SerialPortOutput>(
      *j, IMAGO_READ(SerialPortOutput, SerialPortOutputFromJson));
}

#undef IMAGO_READ

}  // namespace imago::gce
