// GceClient: a compute::Service over HTTP+JSON to a Compute Engine endpoint
// (compute.googleapis.com, or `imago serve`). Everything above the waist
// runs unchanged on it.
//
// - Each call is retried on 429, 5xx and failed connections with
//   exponential backoff and jitter, honouring Retry-After, within a total
//   time budget. Every mutation carries a requestId (the caller's, or a new
//   UUID) that stays the same across its retries, so a retried mutation has
//   one effect.
// - Mutations wait for their operation (`.../wait` in a loop, `get` if the
//   server has no wait) and return it DONE, as LocalCloud does.
// - Answers are read leniently: fields this build does not know are skipped.
#ifndef IMAGO_GCE_GCE_CLIENT_H_
#define IMAGO_GCE_GCE_CLIENT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "compute/json_codec.h"
#include "compute/service.h"
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

class GceClient final : public compute::Service {
 public:
  explicit GceClient(GceClientOptions options);
  GceClient(const GceClient&) = delete;
  GceClient& operator=(const GceClient&) = delete;

  GceClientStats stats() const;

  compute::Result<compute::Operation> InsertImage(const std::string& project,
                                                  const compute::Image& image,
                                                  const compute::MutationOptions& opts) override;
  compute::Result<compute::Image> GetImage(const std::string& project,
                                           const std::string& image) override;
  compute::Result<compute::Image> GetImageFromFamily(const std::string& project,
                                                     const std::string& family) override;
  compute::Result<compute::ListPage<compute::Image>> ListImages(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> DeleteImage(const std::string& project,
                                                  const std::string& image,
                                                  const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> DeprecateImage(
      const std::string& project, const std::string& image,
      const std::optional<compute::DeprecationStatus>& status,
      const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> SetImageLabels(const std::string& project,
                                                     const std::string& image,
                                                     const compute::Labels& labels,
                                                     const std::string& fingerprint,
                                                     const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> PatchImage(const std::string& project,
                                                 const std::string& image,
                                                 const compute::ImagePatch& patch,
                                                 const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> GetGlobalOperation(const std::string& project,
                                                         const std::string& operation) override;
  compute::Result<compute::Operation> WaitGlobalOperation(const std::string& project,
                                                          const std::string& operation) override;
  compute::Result<compute::ListPage<compute::Operation>> ListGlobalOperations(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Status DeleteGlobalOperation(const std::string& project,
                                        const std::string& operation) override;
  compute::Result<std::vector<compute::Zone>> ListZones(const std::string& project) override;
  compute::Result<compute::Operation> InsertDisk(const std::string& project,
                                                 const std::string& zone, const compute::Disk& disk,
                                                 const compute::MutationOptions& opts) override;
  compute::Result<compute::Disk> GetDisk(const std::string& project, const std::string& zone,
                                         const std::string& disk) override;
  compute::Result<compute::ListPage<compute::Disk>> ListDisks(
      const std::string& project, const std::string& zone,
      const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> DeleteDisk(const std::string& project,
                                                 const std::string& zone, const std::string& disk,
                                                 const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> CreateSnapshot(const std::string& project,
                                                     const std::string& zone,
                                                     const std::string& disk,
                                                     const compute::Snapshot& snapshot,
                                                     const compute::MutationOptions& opts) override;
  compute::Result<compute::Snapshot> GetSnapshot(const std::string& project,
                                                 const std::string& snapshot) override;
  compute::Result<compute::ListPage<compute::Snapshot>> ListSnapshots(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> DeleteSnapshot(const std::string& project,
                                                     const std::string& snapshot,
                                                     const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> InsertInstance(const std::string& project,
                                                     const std::string& zone,
                                                     const compute::Instance& instance,
                                                     const compute::MutationOptions& opts) override;
  compute::Result<compute::Instance> GetInstance(const std::string& project,
                                                 const std::string& zone,
                                                 const std::string& instance) override;
  compute::Result<compute::ListPage<compute::Instance>> ListInstances(
      const std::string& project, const std::string& zone,
      const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> DeleteInstance(const std::string& project,
                                                     const std::string& zone,
                                                     const std::string& instance,
                                                     const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> StartInstance(const std::string& project,
                                                    const std::string& zone,
                                                    const std::string& instance,
                                                    const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> StopInstance(const std::string& project,
                                                   const std::string& zone,
                                                   const std::string& instance,
                                                   const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> ResetInstance(const std::string& project,
                                                    const std::string& zone,
                                                    const std::string& instance,
                                                    const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> AttachDisk(const std::string& project,
                                                 const std::string& zone,
                                                 const std::string& instance,
                                                 const compute::AttachedDisk& disk,
                                                 const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> DetachDisk(const std::string& project,
                                                 const std::string& zone,
                                                 const std::string& instance,
                                                 const std::string& device_name,
                                                 const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> SetInstanceMetadata(
      const std::string& project, const std::string& zone, const std::string& instance,
      const compute::Metadata& metadata, const compute::MutationOptions& opts) override;
  compute::Result<compute::SerialPortOutput> GetSerialPortOutput(const std::string& project,
                                                                 const std::string& zone,
                                                                 const std::string& instance,
                                                                 int port, int64_t start) override;
  compute::Result<compute::Operation> GetZoneOperation(const std::string& project,
                                                       const std::string& zone,
                                                       const std::string& operation) override;
  compute::Result<compute::Operation> WaitZoneOperation(const std::string& project,
                                                        const std::string& zone,
                                                        const std::string& operation) override;
  compute::Result<compute::ListPage<compute::Operation>> ListZoneOperations(
      const std::string& project, const std::string& zone,
      const compute::ListOptions& opts) override;
  compute::Status DeleteZoneOperation(const std::string& project, const std::string& zone,
                                      const std::string& operation) override;

 private:
  struct Query {
    std::vector<std::pair<std::string, std::string>> params;
  };
  // One call with retries. `mutation` adds the requestId (the same on every
  // retry). The answer's JSON (null when empty), or the error.
  compute::Result<compute::Json> Call(const std::string& method, const std::string& path,
                                      Query query, const compute::Json* body,
                                      const compute::MutationOptions* mutation);
  // A mutation: Call, then wait for the operation to be DONE.
  compute::Result<compute::Operation> Mutate(const std::string& method, const std::string& path,
                                             Query query, const compute::Json* body,
                                             const compute::MutationOptions& opts);
  compute::Result<compute::Operation> WaitFor(compute::Operation op);
  static Query ListQuery(const compute::ListOptions& o);
  std::string NewRequestId();

  GceClientOptions options_;
  std::mutex mu_;
  std::mt19937_64 rng_;
  GceClientStats stats_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_CLIENT_H_
