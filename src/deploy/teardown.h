// The end of environments: `imago env list` (each environment of a
// project with its release, health and expiry, from the ledgers alone) and
// `imago env destroy` (everything the environment made, named by its
// ledger and its prefix, and nothing else), run by hand, by `--expired`
// from cron, or by the local cloud's controller when a ttl ends.
#ifndef IMAGO_DEPLOY_TEARDOWN_H_
#define IMAGO_DEPLOY_TEARDOWN_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "compute/service.h"
#include "compute/status.h"
#include "compute/time_util.h"
#include "secrets/bundle_store.h"

namespace imago::deploy {

/// One environment as `imago env list` shows it.
struct EnvironmentSummary {
  std::string service, env, zone;
  int live = 0;  // The release serving (0: none).
  std::string image;
  std::string state;  // LIVE, DEPLOYING, FAILED, ...: the newest release's.
  int healthy = 0, wanted = 0;
  std::string expires_at;  // RFC 3339; empty: never.
  bool expired = false;
  std::string last_deploy;  // When the newest release started.
};

/// Every environment with a ledger in `project`, and every one with only a
/// clone record (state CLONED, or CLONE CLONING/FAILED), sorted by service
/// and name. Health is read from the live group (0/0 when it is gone).
compute::Result<std::vector<EnvironmentSummary>> ListEnvironments(compute::Service& svc,
                                                                  const compute::Clock& clock,
                                                                  const std::string& project);

/// What one environment made: a line a resource, "kind name", in the order
/// they are deleted (load balancer first, the ledger last).
struct Teardown {
  std::string service, env, zone;
  std::vector<std::string> resources;
};

/// What DestroyEnvironment would delete now. 404 when `project` has no
/// ledger and no load balancer of SERVICE-ENV.
compute::Result<Teardown> PlanTeardown(compute::Service& svc, secrets::BundleStore* bundles,
                                       const std::string& project, const std::string& service,
                                       const std::string& env);

/// Deletes what `plan` lists, each when it still exists (a rerun after
/// kill -9 finishes the job), the ledger last, and reports each deletion to
/// `step`. Only what the environment made: the load balancer's four parts
/// named SERVICE-ENV, the groups (with their autoscalers and any instance
/// a group left behind when its delete was cut short), templates,
/// health checks and secret bundles its releases name, the data disks its
/// stateful groups or its clones made (labelled imago-service/imago-env),
/// the snapshots its clones took (labelled the same), a clone's job VM, and
/// its project metadata (pull configurations, the clone record, the
/// ledger). Images are never deleted.
compute::Status DestroyEnvironment(compute::Service& svc, secrets::BundleStore* bundles,
                                   const std::string& project, const Teardown& plan,
                                   const std::function<void(const std::string&)>& step);

/// Holds environment SERVICE-ENV's deploy lock while it is destroyed;
/// nullptr when a command holds it.
using EnvLock =
    std::function<std::shared_ptr<void>(const std::string& service, const std::string& env)>;

/// Destroys every environment of `project` whose ttl has ended, each under
/// `lock` (when given; one whose lock is held is left for the next round),
/// after checking again under the lock that it is still expired. Says what
/// it did, one line an environment ("web-dev: its ttl ended at ...;
/// destroyed (13 resources)"); a destroy that fails is a line too, not an
/// error (the next round tries again). Fails only when it cannot list.
compute::Result<std::vector<std::string>> DestroyExpired(compute::Service& svc,
                                                         const compute::Clock& clock,
                                                         secrets::BundleStore* bundles,
                                                         const std::string& project,
                                                         const EnvLock& lock = nullptr);

}  // namespace imago::deploy

#endif  // IMAGO_DEPLOY_TEARDOWN_H_
