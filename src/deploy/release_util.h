// Small pieces the deployer's files share (deployer.cc for groups,
// deployer_vm.cc for kind: instance): release names, the kept
// configuration of a release, lookups in a ledger.
#ifndef IMAGO_DEPLOY_RELEASE_UTIL_H_
#define IMAGO_DEPLOY_RELEASE_UTIL_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "compute/group_types.h"
#include "compute/status.h"
#include "deploy/environment.h"
#include "lifecycle/release_ledger.h"

namespace imago::deploy {

/// PREFIX-vNNN: release n's template, group (red/black), health check and
/// secrets bundle.
std::string ReleaseName(const std::string& prefix, int n);

/// The project metadata key of release n's kept configuration.
std::string ConfigKey(const Environment& env, int n);

/// env's configuration as kept under ConfigKey: "KEY BASE64" lines, as the
/// pull loader reads it.
std::string PullConfig(const Environment& env);

/// The items of a PullConfig text, in its order. 500 when a line is not
/// "KEY BASE64" (the key was written by hand).
compute::Result<std::vector<std::pair<std::string, std::string>>> ParsePullConfig(
    const std::string& text);

/// The health check `name` of env's health_check settings.
compute::HealthCheck HealthCheckFor(const Environment& env, const std::string& name);

/// Release `number` of `rs`; null when none.
const lifecycle::Release* Find(const std::vector<lifecycle::Release>& rs, int number);
/// The newest release of `rs` in state `st`; null when none.
const lifecycle::Release* Last(const std::vector<lifecycle::Release>& rs, const char* st);
/// One more than the highest number in `rs`.
int NextNumber(const std::vector<lifecycle::Release>& rs);

/// Microseconds of the steady clock: waits and durations run on it (--now
/// fixes the wall clock of a command, not how long it waits).
int64_t SteadyUs();

}  // namespace imago::deploy

#endif  // IMAGO_DEPLOY_RELEASE_UTIL_H_
