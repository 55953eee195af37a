// imago deploy, rollback and promote, above the waist: an environment file
// becomes instance templates, managed instance groups, a health check and a
// load balancer (backend service, URL map, target HTTP proxy, forwarding
// rule), through compute::Service only, so that it runs the same on the
// local cloud and on GCE. Every release is recorded in the release ledger
// (lifecycle/release_ledger.h) before anything is made, so that a rerun
// after kill -9 or Ctrl-C finds it and continues.
//
// Names: everything of environment ENV of service SVC starts with SVC-ENV;
// red/black makes one group and template per release (SVC-ENV-v004), rolling
// one group (SVC-ENV) whose template changes (SVC-ENV-v004).
#ifndef IMAGO_DEPLOY_DEPLOYER_H_
#define IMAGO_DEPLOY_DEPLOYER_H_

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/service.h"
#include "compute/status.h"
#include "compute/time_util.h"
#include "deploy/environment.h"
#include "lifecycle/release_ledger.h"
#include "secrets/bundle_store.h"
#include "secrets/resolver.h"

namespace imago::deploy {

/// One line of a plan.
struct PlanStep {
  char op = '=';  // + create, ~ change, - delete or disable, = keep.
  std::string kind;
  std::string name;
  std::string detail;
};

/// What a deploy or rollback will do, shown before it is done.
struct Plan {
  std::string action = "deploy";  // deploy, rollback, promote.
  std::string env, service, project, zone;
  int release = 0;      // The release it makes or continues; 0 when nothing changes.
  bool resume = false;  // Continues `release`, left DEPLOYING by a run that ended.
  Strategy strategy = Strategy::kRedBlack;
  Model model = Model::kPush;
  std::string image, image_id, image_digest;
  std::string why;          // Why this release: "family app moved from app-v7 to app-v8".
  std::string config_hash;  // Of the environment file's configuration.
  std::string config_key;   // pull, rollback: the kept configuration's metadata key.
  int size = 0;
  /// A group's release: its template and group. kind: instance: the
  /// release's name (its health check, bundle) and the VM, `instance`.
  std::string instance_template, group, instance;
  /// The release serving now (0: none) and its group.
  int live = 0;
  std::string live_group, live_template;
  /// Rollback: re-enable this kept group (no boot) instead of making one.
  bool warm = false;
  /// The secrets resolved for the release's template. Never printed: the
  /// plan shows their names only (FormatPlan, PlanToJson).
  secrets::Values secret_values;
  int64_t ttl_sec = 0;  // The environment ends this long after the release starts (0: never).
  std::vector<PlanStep> steps;

  bool changes() const { return release != 0; }
};

/// "user@host" of this process: who a ledger says deployed (or cloned).
std::string CurrentUser();

/// The plan as a human reads it, one step a line.
std::string FormatPlan(const Plan& p);
nlohmann::json PlanToJson(const Plan& p);

/// How an apply ended.
enum class Outcome {
  kUnchanged,   // Nothing to do.
  kLive,        // The release serves, all its instances healthy.
  kRolledBack,  // It never got healthy and was undone; what served before serves.
  kLeftFailed,  // It never got healthy and was left for inspection (rollback_on_failure off).
  kCancelled,   // Interrupted (Ctrl-C); a rerun continues it.
};

struct DeployResult {
  Outcome outcome = Outcome::kUnchanged;
  int release = 0;
  std::string message;  // One line.
  double seconds = 0;
  /// A release into the group that served the live one (rolling, stateful):
  /// the seconds no instance of the group was healthy, as its health was
  /// polled (0: none; its resolution is the poll interval). -1 when the
  /// release went to a new group (red/black: the old one serves meanwhile)
  /// or nothing served before.
  double downtime_sec = -1;
};

/// Where an apply reports: a line per step done, and a status line while it
/// waits (healthy / wanted, time), at most about once a second.
struct Listener {
  std::function<void(const std::string&)> step;
  std::function<void(const std::string&)> waiting;
};

struct ReplaceRequest;  // deploy/replace.h

class Deployer {
 public:
  /// `who` is user@host, for the ledger. `poll_ms`: how often waits look.
  Deployer(compute::Service& svc, const compute::Clock& clock, std::string who, int poll_ms = 1000);
  Deployer(const Deployer&) = delete;
  Deployer& operator=(const Deployer&) = delete;

  /// Where releases' secrets go (the local cloud's store; not owned) and
  /// how they are resolved. Without a store an environment with secrets is
  /// refused at plan time: only the local cloud can hand them to VMs.
  void set_secrets(secrets::BundleStore* store, secrets::ResolverOptions opts) {
    bundles_ = store;
    resolver_ = std::move(opts);
  }

  /// What `imago deploy` would do for `env` (project and zone already
  /// filled in): resolves the family now and pins the image. 400 for an
  /// image that is missing, OBSOLETE or DELETED, or a family with no image;
  /// a DEPRECATED image is allowed with a warning step.
  compute::Result<Plan> PlanDeploy(const Environment& env);

  /// The plan of a deploy that runs exactly image `image_id` (promotion, or
  /// a rollback whose group is gone); `why` says so in the plan.
  compute::Result<Plan> PlanImage(const Environment& env, const std::string& image_id,
                                  const std::string& why, const std::string& action);

  /// What `imago rollback` would do: back to release `to` (0: the one
  /// before the live one). Warm when that release's group still exists
  /// (red/black: re-enabled, no boot; rolling: the group goes back to its
  /// template); otherwise a deploy of its image. 400 when there is nothing
  /// to go back to.
  compute::Result<Plan> PlanRollback(const Environment& env, int to);

  /// Promotion `from` -> `to`: checks that `from` serves its live release
  /// with every instance healthy and that the image is the same image now
  /// (same id and bake digest, READY, not deprecated), then plans `to` with
  /// that image. 400 with the reason otherwise.
  compute::Result<Plan> PlanPromotion(const Environment& from, const Environment& to);

  /// Does `plan` (made from `env` by one of the Plan* above), waits until
  /// the environment serves it healthy, and records it. A release that is
  /// not healthy within env.timeout_sec is undone (or left, when
  /// env.rollback_on_failure is off) and said so in the result. Returns an
  /// error only for what it could not do (API errors); the state is then
  /// in the ledger, and a rerun continues.
  compute::Result<DeployResult> Apply(const Environment& env, const Plan& plan,
                                      const Listener& listener, const std::atomic<bool>* cancel);

  /// The releases of `env`, oldest first.
  compute::Result<std::vector<lifecycle::Release>> Releases(const Environment& env);

  /// Deletes the groups and templates of releases that are no longer kept:
  /// disabled ones past their expiry (or beyond the one kept), failed
  /// ones, superseded templates but the last. Best effort; says what it did.
  compute::Result<std::vector<std::string>> Reap(const Environment& env);

 private:
  /// The end of a release that never got healthy: undone or left, recorded.
  compute::Result<DeployResult> Fail(const Environment& env, const Plan& plan,
                                     const std::string& why, int64_t start, const Listener& l);
  /// The result of an apply that Ctrl-C ended: the release stays DEPLOYING.
  static DeployResult Interrupted(int release, double seconds);
  /// Records release `release` FAILED with `result` (one line), its
  /// seconds counted from `start` (SteadyUs); returns them.
  compute::Result<double> RecordFailed(const Environment& env, int release, int64_t start,
                                       const std::string& result, bool cleaned);
  /// The health check `name` (a release's own: named as its template) with
  /// env's settings; made when missing. `keep_existing`: one that exists is
  /// left as it is (a rollback to an earlier release's template keeps the
  /// check that release was judged by, not the file's of the release that
  /// failed).
  compute::Status EnsureHealthCheck(const Environment& env, const std::string& name,
                                    bool keep_existing = false);
  /// Whether `plan` runs on an earlier release's template and check (a
  /// rollback) rather than its own.
  static bool ReusesRelease(const Environment& env, const Plan& plan);
  compute::Status EnsureTemplate(const Environment& env, const Plan& plan);
  compute::Status EnsureGroup(const Environment& env, const Plan& plan, const std::string& group);
  /// The load balancer of `env`, sending to `group`, with `warm` (when not
  /// empty) a backend at capacityScaler 0. Made when missing. `add_only`:
  /// only adds `group` at full capacity beside the backends as they are (the
  /// first half of a switch: make before break). The backend service
  /// judges with `health_check`, the serving release's.
  compute::Status EnsureLoadBalancer(const Environment& env, const std::string& group,
                                     const std::string& warm, bool add_only,
                                     const std::string& health_check);
  compute::Status DeleteGroup(const Environment& env, const std::string& group);

  // kind: instance (deployer_vm.cc): one VM, released by the plain pattern.

  /// 400 naming the disk and the VM when one of env's data disks is
  /// attached to a VM other than the environment's.
  compute::Status CheckVmDisks(const Environment& env);
  /// The steps of plan `p` (instance and data disks), as they will happen.
  void PlanVmSteps(const Environment& env, Plan* p);
  /// Whether the environment's VM exists and runs release `number`; a VM
  /// of that name that is not this environment's is an error.
  compute::Result<bool> VmRuns(const Environment& env, int number);
  /// Apply's part after the release is in the ledger: the VM is made, or
  /// replaced (stop, detach, new VM, attach), and seen to serve.
  compute::Result<DeployResult> ApplyVm(const Environment& env, const Plan& plan, int64_t start,
                                        const Listener& l, const std::atomic<bool>* cancel);
  /// The end of a VM release that never served: the VM goes back to
  /// release `plan.live` (the same pattern) or, with none, is deleted
  /// (its data disks kept); or it is left (rollback_on_failure off).
  compute::Result<DeployResult> FailVm(const Environment& env, const Plan& plan,
                                       const std::string& why, int64_t start, const Listener& l);
  /// The replacement request that makes the VM run `image` with the
  /// configuration kept at project metadata `config_key` and the secrets of
  /// `bundle` (when it exists), labelled release `number`, judged by the
  /// health check named `bundle` (the file's settings when it is gone).
  compute::Result<ReplaceRequest> VmRequest(const Environment& env, const std::string& image,
                                            const std::string& config_key,
                                            const std::string& bundle, int number,
                                            int64_t timeout_sec);
  /// Whether the VM passes the environment's health check now.
  compute::Result<bool> VmHealthy(const Environment& env, const std::string& check_name);
  /// What a wait for health saw.
  struct HealthWait {
    bool healthy = false;
    std::string why;        // When not healthy: the reason, one line.
    double outage_sec = 0;  // Time with no healthy instance (any template) in the group.
  };

  /// Waits until `group` has `want` RUNNING instances, all HEALTHY, from
  /// `tmpl` (when not empty), and is stable. When the deadline passes:
  /// w->healthy false and the reason in w->why. When `was_serving` (the
  /// group served before this wait began), w->outage_sec sums the polls'
  /// intervals in which no instance of it was healthy.
  compute::Status WaitHealthy(const Environment& env, const std::string& group, int want,
                              const std::string& tmpl, int64_t deadline_us, bool was_serving,
                              const Listener& l, const std::atomic<bool>* cancel, HealthWait* w);
  compute::Status WaitServing(const Environment& env, const std::string& group, int want,
                              const Listener& l, const std::atomic<bool>* cancel, bool* serving);
  /// After `group` left the load balancer (capacityScaler 0): waits until
  /// backendServices.getHealth shows none of its instances taking requests,
  /// so that a test run after the release reaches the new one only. At most
  /// kRetireWaitSec: a balancer that keeps reporting them (GCE reports
  /// health, not capacity) only makes the wait end there.
  void WaitRetired(const Environment& env, const std::string& group, const Listener& l,
                   const std::atomic<bool>* cancel);
  compute::Result<lifecycle::Release> Record(
      const Environment& env, int number, const std::function<void(lifecycle::Release*)>& edit,
      const std::function<void(std::vector<lifecycle::Release>*)>& others = nullptr);
  std::string Now() const;
  /// 400 when env has secrets and this cloud cannot hand them to VMs.
  compute::Status CanDeliverSecrets(const Environment& env) const;
  /// The env's secrets, resolved now (400-503 naming the failing one).
  compute::Result<secrets::Values> ResolveSecrets(const Environment& env);
  /// Whether template `tmpl`'s bundle holds exactly `values` (no bundle and
  /// no values: the same). `changed` gets the names that differ.
  bool SameSecrets(const std::string& project, const std::string& tmpl,
                   const secrets::Values& values, std::vector<std::string>* changed) const;
  /// Deletes template `name` and its secret bundle; OK when gone already.
  compute::Status DeleteTemplate(const std::string& project, const std::string& name);

  compute::Service& svc_;
  const compute::Clock& clock_;
  std::string who_;
  int poll_ms_;
  secrets::BundleStore* bundles_ = nullptr;
  secrets::ResolverOptions resolver_;
};

/// Reap for every environment with a ledger in `project` (what the
/// controller runs, so that a kept group goes when its window ends although
/// no command runs). Says what it did, "web-dev: deleted group ...".
/// With `bundles`, also deletes the secret bundles whose template is gone
/// and that no release being deployed names.
compute::Result<std::vector<std::string>> ReapAll(compute::Service& svc,
                                                  const compute::Clock& clock,
                                                  const std::string& project,
                                                  secrets::BundleStore* bundles = nullptr);

}  // namespace imago::deploy

#endif  // IMAGO_DEPLOY_DEPLOYER_H_
