// LocalStore: what the local cloud's collections share - the options, the
// catalog (one SQLite connection) and the lock that serialises its use, the
// content store, ids, time, and the two ways a mutation is recorded:
//
//  - Mutate(): a short mutation, done and journaled in one transaction;
//  - Begin/End/FailWork() (journal.h): a long one (copies, boots), journaled
//    RUNNING with a WorkRecord first, so that recovery can undo it if the
//    process dies half way.
//
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LOCAL_STORE_H_
#define IMAGO_LOCALCLOUD_LOCAL_STORE_H_

#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "compute/resource_ref.h"
#include "compute/status.h"
#include "compute/time_util.h"
#include "compute/types.h"
#include "localcloud/catalog.h"
#include "localcloud/content_store.h"
#include "localcloud/local_options.h"

namespace imago::localcloud {

/// Row kinds of the resources table.
constexpr const char* kDiskKind = "disk";
constexpr const char* kSnapshotKind = "snapshot";
constexpr const char* kInstanceKind = "instance";
constexpr const char* kInstanceTemplateKind = "instanceTemplate";
constexpr const char* kHealthCheckKind = "healthCheck";

class LocalStore {
 public:
  LocalStore(LocalCloudOptions options, std::unique_ptr<Catalog> catalog);
  LocalStore(const LocalStore&) = delete;
  LocalStore& operator=(const LocalStore&) = delete;

  const LocalCloudOptions& options() const { return options_; }
  const std::string& home() const { return options_.home; }
  /// The catalog. Use it with mu() held, inside a transaction.
  Catalog& catalog() { return *catalog_; }
  ContentStore& store() { return store_; }
  /// One catalog connection: one caller at a time.
  std::mutex& mu() { return mu_; }

  /// A new resource or operation id: 19 digits like GCE's, below 2^63.
  uint64_t NewId();
  compute::TimeUs NowUs() const { return clock_->Now(); }
  std::string Now3339() const { return compute::FormatRfc3339(NowUs()); }

  /// A RUNNING operation of `type` ("insert", ...) in `zone` ("" : global).
  compute::Operation NewOperation(const std::string& project, const char* type,
                                  const std::string& request_id, const std::string& zone = "");

  /// selfLink of a resource path ("projects/p/...").
  std::string Link(const std::string& path) const {
    return compute::Link(options_.self_link_base, path);
  }
  std::string ZoneLink(const std::string& project, const std::string& zone) const {
    return Link(compute::ZonePath(project, zone));
  }
  /// 400 for a malformed project id.
  compute::Status CheckProject(const std::string& project) const;
  /// CheckProject, then 404 naming the zone unless it is one of the options' zones.
  compute::Status CheckZone(const std::string& project, const std::string& zone) const;

  /// HOME/run/ID: a running instance's pid file, sockets and logs.
  std::string RunDir(uint64_t instance_id) const;
  /// HOME/disks/ID.qcow2.
  std::string DiskFile(uint64_t disk_id) const;
  /// HOME/tmp/NAME.lock: held while the operation NAME works.
  std::string OperationLockPath(const std::string& operation_name) const;
  /// Sleeps at `step` when options().pause_at names it (crash tests).
  void MaybePause(const char* step) const;

  using MutateFn = std::function<compute::Status(compute::Operation* op)>;
  /// Runs `fn` and journals its Operation DONE in one write transaction,
  /// honouring the request id (a replay returns the first Operation and
  /// does not call `fn`). `fn` runs with mu() held, inside the transaction;
  /// it sets the target and may add warnings. On failure nothing changed.
  compute::Result<compute::Operation> Mutate(const std::string& project, const char* type,
                                             const compute::MutationOptions& opts,
                                             const MutateFn& fn, const std::string& zone = "");

  /// Within a transaction: the `kind` row named `name` (or id) in
  /// (project, zone), or 404 naming its path below `collection`.
  compute::Result<ResourceRow> LoadRow(const char* kind, const char* collection,
                                       const std::string& project, const std::string& zone,
                                       const std::string& name);

 private:
  LocalCloudOptions options_;
  compute::SystemClock system_clock_;
  const compute::Clock* clock_;
  std::unique_ptr<Catalog> catalog_;
  ContentStore store_;
  std::mutex mu_;
  int mutations_ = 0;  // Mutate calls that committed (guarded by mu_), for pause_at.
  std::mutex rng_mu_;
  std::mt19937_64 rng_;  // Guarded by rng_mu_.
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_STORE_H_
