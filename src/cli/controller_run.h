// The controller of the local cloud's instance groups, as the imago command
// runs it: one per $IMAGO_HOME (held by HOME/controller.lock), in
// `imago controller run`, inside `imago serve`, or started in the
// background by a command that needs it when none runs.
#ifndef IMAGO_CLI_CONTROLLER_RUN_H_
#define IMAGO_CLI_CONTROLLER_RUN_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "cli/context.h"
#include "compute/service.h"

namespace imago::cli {

/// The lock file that keeps one deploy, rollback, promotion or destroy of
/// environment `prefix` (SERVICE-ENV) of `project` at a time on this
/// machine (the controller's ttl teardown takes it too). Makes its directory.
std::string EnvironmentLockPath(Context& ctx, const std::string& project,
                                const std::string& prefix);

/// Runs controller steps every `interval_ms` until `stop` is set, holding
/// the home's controller lock; writes HOME/controller.json after each step.
/// 409-like error (kAlreadyExists) when another process holds the lock.
compute::Status RunControllerLoop(Context& ctx, compute::Service& svc, int interval_ms,
                                  const std::atomic<bool>& stop, bool once = false);

/// Starts `imago controller run` in the background for the local cloud of
/// `ctx` unless a controller holds the home's lock already. Returns whether
/// one runs now (started or found). Clouds that run their own groups (GCE)
/// need none: false, and nothing is started.
bool EnsureController(Context& ctx, compute::Service& svc);

/// A controller loop on a thread of this process (imago serve), when no
/// other holds the lock.
class ControllerThread {
 public:
  ControllerThread(Context& ctx, compute::Service& svc);
  ~ControllerThread();
  ControllerThread(const ControllerThread&) = delete;
  ControllerThread& operator=(const ControllerThread&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace imago::cli

#endif  // IMAGO_CLI_CONTROLLER_RUN_H_
