#include "gce/api_caller.h"

#include <thread>

#include <fmt/format.h>

#include "compute/resource_ref.h"

namespace imago::gce {

using compute::Json;
using compute::ListOptions;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Status;

namespace {

bool Retryable(int http_status) {
  return http_status == 429 || http_status == 408 || http_status >= 500;
}

}  // namespace

std::string ProjectPath(const std::string& project) {
  return "projects/" + UrlEncode(project) + "/";
}

std::string ZonePath(const std::string& project, const std::string& zone) {
  return ProjectPath(project) + "zones/" + UrlEncode(zone) + "/";
}

Query ListQuery(const ListOptions& o) {
  Query q;
  if (!o.filter.empty()) q.emplace_back("filter", o.filter);
  if (!o.order_by.empty()) q.emplace_back("orderBy", o.order_by);
  if (!o.page_token.empty()) q.emplace_back("pageToken", o.page_token);
  if (o.max_results != 500) q.emplace_back("maxResults", std::to_string(o.max_results));
  return q;
}

ApiCaller::ApiCaller(GceClientOptions options)
    : options_(std::move(options)), rng_(std::random_device{}()) {
  if (!options_.transport) options_.transport = std::make_shared<CurlTransport>();
  if (!options_.endpoint.empty() && options_.endpoint.back() != '/') options_.endpoint += '/';
  if (!options_.sleep) {
    options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  }
}

GceClientStats ApiCaller::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::string ApiCaller::NewRequestId() {
  std::lock_guard lock(mu_);
  uint64_t a = rng_(), b = rng_();
  // UUID version 4, variant 10.
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFFF,
                     b >> 48, b & 0xFFFFFFFFFFFFULL);
}

Result<Json> ApiCaller::Get(const std::string& path, const Query& query) {
  return Send("GET", path, query, nullptr, nullptr);
}

Result<Json> ApiCaller::Call(const std::string& method, const std::string& path, Query query,
                             const Json* body) {
  return Send(method, path, std::move(query), body, nullptr);
}

Result<Json> ApiCaller::Send(const std::string& method, const std::string& path, Query query,
                             const Json* body, const MutationOptions* mutation) {
  if (mutation) {
    std::string id = mutation->request_id.empty() ? NewRequestId() : mutation->request_id;
    query.emplace_back("requestId", id);  // The same on every retry below.
  }
  HttpCall call;
  call.method = method;
  call.url = options_.endpoint + path;
  for (size_t i = 0; i < query.size(); ++i) {
    call.url += (i == 0 ? "?" : "&") + UrlEncode(query[i].first) + "=" + UrlEncode(query[i].second);
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

Result<Operation> ApiCaller::WaitFor(Operation op) {
  while (!op.done()) {
    std::string path;
    if (!op.zone.empty()) {
      std::string zone = compute::LastSegment(op.zone);
      std::string project = op.self_link.substr(op.self_link.find("projects/") + 9);
      project = project.substr(0, project.find('/'));
      path = ZonePath(project, zone) + "operations/" + UrlEncode(op.name) + "/wait";
    } else {
      std::string project = op.self_link.substr(op.self_link.find("projects/") + 9);
      project = project.substr(0, project.find('/'));
      path = ProjectPath(project) + "global/operations/" + UrlEncode(op.name) + "/wait";
    }
    auto j = Send("POST", path, {}, nullptr, nullptr);
    if (!j.ok() && j.status().code() == compute::Code::kNotFound) {
      // A server without `wait`: poll `get`.
      options_.sleep(std::chrono::milliseconds(500));
      j = Send("GET", path.substr(0, path.size() - 5), {}, nullptr, nullptr);
    }
    if (!j.ok()) return j.status();
    auto next =
        ReadAnswer<Operation>(*j, [](const Json& x) { return compute::OperationFromJson(x); });
    if (!next.ok()) return next.status();
    op = std::move(next.value());
  }
  return op;
}

Result<Operation> ApiCaller::Mutate(const std::string& method, const std::string& path, Query query,
                                    const Json* body, const MutationOptions& opts) {
  auto j = Send(method, path, std::move(query), body, &opts);
  if (!j.ok()) return j.status();
  auto op = ReadAnswer<Operation>(*j, [](const Json& x) { return compute::OperationFromJson(x); });
  if (!op.ok()) return op.status();
  return WaitFor(std::move(op.value()));
}

}  // namespace imago::gce
