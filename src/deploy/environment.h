// An environment file (environments/dev.yaml): what one environment of a
// service runs - which image, how many VMs, what configuration, how it is
// judged healthy, how a new release replaces the old one, and where the
// load balancer listens. docs/deploy.md documents every key.
#ifndef IMAGO_DEPLOY_ENVIRONMENT_H_
#define IMAGO_DEPLOY_ENVIRONMENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compute/status.h"
#include "secrets/resolver.h"

namespace imago::deploy {

/// How a release's configuration reaches its VMs.
enum class Model {
  kPush,  // In each instance's metadata, from its template.
  kPull,  // In the project's metadata; the VMs fetch it at boot.
};

/// How a new release replaces the one serving.
enum class Strategy {
  kRedBlack,  // A new group; traffic switches when all of it is healthy.
  kRolling,   // One group, updated in place within surge and unavailability.
  kReplace,   // kind: instance: stop, detach, a new VM from the new image, attach.
};

/// What runs the environment.
enum class Kind {
  kGroup,     // A managed instance group behind a load balancer.
  kInstance,  // One VM named SERVICE-ENV, replaced by the plain pattern (docs/data.md).
};

const char* ModelName(Model m);
const char* StrategyName(Strategy s);

/// health_check: GCE's HTTP or TCP check and the autohealing delay.
struct HealthSpec {
  std::string protocol = "HTTP";  // HTTP or TCP.
  int port = 0;                   // 0: the environment's port.
  std::string path = "/";         // HTTP only.
  std::string response;           // When set, the answer must contain it (HTTP and TCP).
  int interval_sec = 5;
  int timeout_sec = 5;
  int healthy_threshold = 2;
  int unhealthy_threshold = 2;
  int initial_delay_sec = 300;  // GCE's default for autohealing.
};

/// autoscaling: bounds and a CPU target instead of a fixed size.
struct AutoscalingSpec {
  int min = 1;
  int max = 0;
  double cpu_target = 0.6;
};

/// data_disks: a disk per VM that outlives every release (a stateful
/// group's preserved disk, docs/data.md).
struct DataDisk {
  std::string device;  // The guest's /dev/disk/by-id/google-DEVICE.
  int64_t size_gb = 10;
};

/// clone_data: how `imago env clone-data` fills this environment's data
/// disks from another environment's (docs/data.md).
struct CloneSpec {
  std::string from;            // The environment whose data is copied (default of --from).
  std::string backups;         // A directory; its newest file is restored. Empty: none.
  std::string restore;         // Guest script restoring $IMAGO_BACKUP (needed with backups).
  std::string scrub;           // Guest script run last, before the environment serves.
  int64_t timeout_sec = 1800;  // How long restore and scrub may take together.
};

/// One environment of one service, as its file says.
struct Environment {
  std::string file;  // The file it was read from.
  std::string name;  // dev: the file's name without .yaml.
  std::string service;
  std::string project;  // Empty: the command's (--project).
  std::string zone;     // Empty: the command's (--zone).
  /// The image: a family tracked (resolved and pinned at plan time), or
  /// one image by name. Exactly one is set.
  std::string image_family;
  std::string image;
  Kind kind = Kind::kGroup;
  Model model = Model::kPush;
  int size = 1;
  std::optional<AutoscalingSpec> autoscaling;
  std::string machine_type = "e2-small";
  int port = 80;  // Where the application listens in the guest.
  /// config: and files: as metadata items (a file's content under its key),
  /// in the file's order.
  std::vector<std::pair<std::string, std::string>> config;
  /// secrets: NAME: REFERENCE, resolved at deploy and handed to each VM at
  /// boot by the metadata server (docs/secrets.md); never a value here.
  std::vector<secrets::NamedRef> secrets;
  /// data_disks: with them the group is stateful (rolling, RECREATE, no
  /// surge): each VM keeps its disks, by name, across releases.
  std::vector<DataDisk> data_disks;
  /// clone_data: only with data_disks.
  std::optional<CloneSpec> clone_data;
  HealthSpec health;
  Strategy strategy = Strategy::kRedBlack;
  int64_t keep_previous_sec = 3600;  // red-black: how long the previous group stays warm.
  int max_surge = 1;                 // rolling.
  int max_unavailable = 0;           // rolling.
  bool rollback_on_failure = true;   // A release that never gets healthy is undone.
  int lb_port = 0;  // The load balancer's port (127.0.0.1 on the local cloud); 0: kind instance.
  int64_t timeout_sec = 600;  // How long a release may take to become healthy.
  /// ttl: the environment is destroyed this long after its latest release
  /// started (0: never). A production environment needs allow_ttl: true.
  int64_t ttl_sec = 0;
  bool allow_ttl = false;
  /// daily: `imago pipeline daily` deploys new images here (docs/pipeline.md).
  bool daily = false;
  /// smoke: a program on this machine (a path, resolved against the file's
  /// directory) that `imago pipeline daily` runs after deploying here, with
  /// IMAGO_URL set to the load balancer's address; exit 0 passes.
  std::string smoke;

  /// service-env: the prefix of everything the environment makes, and
  /// the name of a kind: instance environment's VM.
  std::string Prefix() const { return service + "-" + name; }
};

/// Whether `name` reads as a production environment (prod, production,
/// prod-*, production-*): a ttl there needs allow_ttl: true.
bool IsProductionName(const std::string& name);

/// Reads and checks `path`. Errors are one line, "FILE:LINE: key 'K': WHY",
/// and come before anything is done: unknown keys (with the known ones),
/// missing ones, values out of range, files that cannot be read.
compute::Result<Environment> LoadEnvironment(const std::string& path);

/// The file of environment `name_or_path`: a path to a .yaml file as given,
/// else DIR/NAME.yaml. 404 naming both when neither exists.
compute::Result<std::string> FindEnvironmentFile(const std::string& dir,
                                                 const std::string& name_or_path);

/// A digest of what a release's VMs get besides the image: configuration,
/// secret references (not values), model, machine type and port. Two files
/// that agree on those agree on it.
std::string ConfigHash(const Environment& env);

}  // namespace imago::deploy

#endif  // IMAGO_DEPLOY_ENVIRONMENT_H_
