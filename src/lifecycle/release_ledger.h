// The release ledger: every release of a service's environment (who, when,
// which image, template and group, strategy, result), kept in the cloud
// itself - one key of the project's common instance metadata per
// environment, "imago-releases-SERVICE-ENV" - so that it works on GCE as on
// the local cloud and survives the loss of $IMAGO_HOME. Writes are
// compare-and-set on the metadata's fingerprint: two writers never lose
// each other's entries. Rotation reads it: an image one of the last
// releases ran is in use (a rollback may need it).
#ifndef IMAGO_LIFECYCLE_RELEASE_LEDGER_H_
#define IMAGO_LIFECYCLE_RELEASE_LEDGER_H_

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/projects.h"
#include "compute/status.h"

namespace imago::lifecycle {

/// What became of a release.
namespace release_state {
inline constexpr const char* kDeploying = "DEPLOYING";    // Being applied (or its process died).
inline constexpr const char* kLive = "LIVE";              // Serving.
inline constexpr const char* kDisabled = "DISABLED";      // Out of the load balancer, kept warm.
inline constexpr const char* kRetired = "RETIRED";        // Its group and template are gone.
inline constexpr const char* kFailed = "FAILED";          // Never served (health check, error).
inline constexpr const char* kSuperseded = "SUPERSEDED";  // Replaced in place (rolling).
}  // namespace release_state

/// One release of an environment.
struct Release {
  int number = 0;
  std::string service;  // Whose: the environment's service, name and zone
  std::string env;      // (so that the ledger alone says where its groups are).
  std::string zone;
  std::string kind;  // deploy, rollback, promote.
  std::string state;
  std::string started;   // RFC 3339.
  std::string finished;  // RFC 3339; empty while DEPLOYING.
  std::string who;       // user@host.
  std::string image;     // Name.
  std::string image_id;
  std::string image_digest;  // The bake digest label, when the image has one.
  std::string why;           // "family app moved from app-v7 to app-v8", "rollback to 3".
  /// A group's release: its template (also the name of its health check
  /// and secrets bundle) and group. A kind: instance release: the name of
  /// its health check, secrets bundle and configuration (no template), and
  /// `instance`, its VM, instead of a group.
  std::string instance_template;
  std::string group;
  std::string instance;
  std::string strategy;  // red-black, rolling, replace (kind: instance).
  std::string model;     // push, pull.
  std::string config_hash;
  std::string config_key;  // pull: the project metadata key holding its configuration.
  int size = 0;            // Instances it ran with (restored on rollback).
  std::string result;      // One line: "healthy 3/3", "health check failed: rolled back".
  double seconds = 0;
  std::string disabled_at;  // When it left the load balancer (red/black).
  std::string expires_at;   // When its kept group is deleted.
  std::string owner;        // DEPLOYING: "user@host pid N", to tell a live deploy from a dead one.
  bool cleaned = false;     // FAILED: its group and template were deleted.
  /// When the environment expires (its ttl from this release's start);
  /// empty: never. The newest release's value is the environment's.
  std::string env_expires_at;
};

nlohmann::json ToJson(const Release& r);
compute::Result<Release> ReleaseFromJson(const nlohmann::json& j);

/// What every ledger's metadata key starts with.
inline constexpr const char* kLedgerPrefix = "imago-releases-";

/// The metadata key of an environment's ledger.
std::string LedgerKey(const std::string& service, const std::string& env);

/// The releases of one environment, oldest first.
class ReleaseLedger {
 public:
  /// How many releases a ledger keeps (the oldest go first).
  static constexpr int kMaxReleases = 100;

  ReleaseLedger(compute::Projects& projects, std::string project, std::string service,
                std::string env);
  ReleaseLedger(const ReleaseLedger&) = delete;
  ReleaseLedger& operator=(const ReleaseLedger&) = delete;

  /// The releases as stored now; empty when none. 500 when the stored
  /// value is not a ledger (someone wrote the key by hand).
  compute::Result<std::vector<Release>> Read();

  /// Reads the releases and the project's other metadata, lets `change`
  /// edit both (`extra`: the other keys, to add or drop e.g. a pull
  /// configuration), and writes them back in one setCommonInstanceMetadata;
  /// on 412 (another writer in between) reads again and calls `change`
  /// again, up to 10 times. `change` returning an error writes nothing and
  /// is returned; leaving no release removes the ledger's key. On success
  /// `*out` (when given) holds what was written.
  using Change = std::function<compute::Status(
      std::vector<Release>* releases, std::vector<std::pair<std::string, std::string>>* extra)>;
  compute::Status Update(const Change& change, std::vector<Release>* out = nullptr);

 private:
  compute::Projects& projects_;
  std::string project_;
  std::string key_;
};

/// Every ledger of `items` (a project's common metadata): its key and releases.
std::vector<std::pair<std::string, std::vector<Release>>> AllLedgers(
    const std::vector<std::pair<std::string, std::string>>& items);

}  // namespace imago::lifecycle

#endif  // IMAGO_LIFECYCLE_RELEASE_LEDGER_H_
