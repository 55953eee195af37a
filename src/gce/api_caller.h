// ApiCaller: one call of the Compute Engine REST API as GceClient's
// collections make it - auth, retries, requestIds, waiting for operations,
// reading answers leniently. Every collection (gce_images.cc, ...) is a
// thin map of its methods onto paths over one ApiCaller.
//
// - Each call is retried on 429, 5xx and failed connections with
//   exponential backoff and jitter, honouring Retry-After, within a total
//   time budget. Every mutation carries a requestId (the caller's, or a new
//   UUID) that stays the same across its retries, so a retried mutation has
//   one effect.
// - Mutations wait for their operation (`.../wait` in a loop, `get` if the
//   server has no wait) and return it DONE, as LocalCloud does.
// - Answers are read leniently: fields this build does not know are skipped.
#ifndef IMAGO_GCE_API_CALLER_H_
#define IMAGO_GCE_API_CALLER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "compute/json_codec.h"
#include "compute/json_read.h"
#include "compute/status.h"
#include "compute/types.h"
#include "gce/credentials.h"
#include "gce/http_transport.h"

namespace imago::gce {

/// How calls are retried.
struct RetryPolicy {
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{10000};
  double multiplier = 2.0;
  std::chrono::milliseconds total{120000};  // Give up after this long.
};

struct GceClientOptions {
  /// Ends with "/": https://compute.googleapis.com/compute/v1/ by default.
  std::string endpoint = "https://compute.googleapis.com/compute/v1/";
  std::shared_ptr<HttpTransport> transport;  // nullptr: a CurlTransport.
  std::shared_ptr<Credentials> credentials;  // Required.
  RetryPolicy retry;
  /// Sleeps between retries (tests shorten it). nullptr: a real sleep.
  std::function<void(std::chrono::milliseconds)> sleep;
};

/// Counts of what the client did, for tests and logs.
struct GceClientStats {
  long requests = 0;  // HTTP exchanges tried.
  long retries = 0;   // Of those, repeats after a retryable failure.
};

/// Query parameters, in order.
using Query = std::vector<std::pair<std::string, std::string>>;

class ApiCaller {
 public:
  explicit ApiCaller(GceClientOptions options);
  ApiCaller(const ApiCaller&) = delete;
  ApiCaller& operator=(const ApiCaller&) = delete;

  /// One call with retries: `path` below the endpoint, `body` sent as JSON
  /// when given. The answer's JSON (null when empty), or the error as GCE
  /// described it (401/403 also name the credential).
  compute::Result<compute::Json> Get(const std::string& path, const Query& query = {});
  compute::Result<compute::Json> Call(const std::string& method, const std::string& path,
                                      Query query, const compute::Json* body);
  /// A mutation: the call with a requestId (the same on every retry), then
  /// a wait until its operation is DONE.
  compute::Result<compute::Operation> Mutate(const std::string& method, const std::string& path,
                                             Query query, const compute::Json* body,
                                             const compute::MutationOptions& opts);

  GceClientStats stats() const;

 private:
  compute::Result<compute::Json> Send(const std::string& method, const std::string& path,
                                      Query query, const compute::Json* body,
                                      const compute::MutationOptions* mutation);
  compute::Result<compute::Operation> WaitFor(compute::Operation op);
  std::string NewRequestId();

  GceClientOptions options_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;
  GceClientStats stats_;
};

/// "projects/P/" and "projects/P/zones/Z/", percent-encoded.
std::string ProjectPath(const std::string& project);
std::string ZonePath(const std::string& project, const std::string& zone);

/// The list parameters of `o` that differ from the defaults.
Query ListQuery(const compute::ListOptions& o);

/// Reads an answer with `read`, skipping fields this build does not know.
template <typename T, typename Read>
compute::Result<T> ReadAnswer(const compute::Json& j, const Read& read) {
  compute::json_read::LenientReading lenient;
  return read(j);
}

/// Reads a list answer: its items with `read`, its page token and warning.
template <typename T, typename Read>
compute::Result<compute::ListPage<T>> ReadPage(const compute::Json& j, const Read& read) {
  compute::ListPage<T> page;
  if (!j.is_object())
    return compute::Status::Unavailable("the server's list answer is not an object");
  if (j.contains("items") && j["items"].is_array()) {
    for (const auto& x : j["items"]) {
      auto item = ReadAnswer<T>(x, read);
      if (!item.ok()) {
        return compute::Status::Unavailable("unreadable item in a list: " +
                                            item.status().message());
      }
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

/// Reads an aggregatedList answer: items is a map from scope to an object
/// holding the list under `field` ("instances", "disks", ...).
template <typename T, typename Read>
compute::Result<compute::AggregatedPage<T>> ReadAggregated(const compute::Json& j,
                                                           const char* field, const Read& read) {
  compute::AggregatedPage<T> page;
  if (!j.is_object()) {
    return compute::Status::Unavailable("the server's aggregated list answer is not an object");
  }
  if (j.contains("items") && j["items"].is_object()) {
    for (const auto& [scope, entry] : j["items"].items()) {
      std::vector<T>& into = page.items[scope];
      if (!entry.is_object() || !entry.contains(field) || !entry[field].is_array()) continue;
      for (const auto& x : entry[field]) {
        auto item = ReadAnswer<T>(x, read);
        if (!item.ok()) {
          return compute::Status::Unavailable("unreadable item in a list: " +
                                              item.status().message());
        }
        into.push_back(std::move(item.value()));
      }
    }
  }
  page.next_page_token = j.value("nextPageToken", "");
  if (j.contains("unreachables") && j["unreachables"].is_array()) {
    for (const auto& u : j["unreachables"]) {
      if (u.is_string()) page.unreachables.push_back(u);
    }
  }
  return page;
}

}  // namespace imago::gce

#endif  // IMAGO_GCE_API_CALLER_H_
