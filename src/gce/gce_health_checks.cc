#include "gce/gce_health_checks.h"

#include "compute/group_codec.h"

namespace imago::gce {

using compute::HealthCheck;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;

namespace {

std::string ChecksPath(const std::string& project) {
  return ProjectPath(project) + "global/healthChecks";
}
std::string One(const std::string& project, const std::string& name) {
  return ChecksPath(project) + "/" + UrlEncode(name);
}
Result<HealthCheck> ReadCheck(const Json& x) {
  return compute::HealthCheckFromJson(x);
}

}  // namespace

Result<Operation> GceHealthChecks::Insert(const std::string& project, const HealthCheck& hc,
                                          const MutationOptions& opts) {
  Json body = compute::ToJson(hc);
  return c_.Mutate("POST", ChecksPath(project), {}, &body, opts);
}

Result<HealthCheck> GceHealthChecks::Get(const std::string& project,
                                         const std::string& health_check) {
  auto j = c_.Get(One(project, health_check));
  if (!j.ok()) return j.status();
  return ReadAnswer<HealthCheck>(*j, ReadCheck);
}

Result<ListPage<HealthCheck>> GceHealthChecks::List(const std::string& project,
                                                    const ListOptions& opts) {
  auto j = c_.Get(ChecksPath(project), ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadPage<HealthCheck>(*j, ReadCheck);
}

Result<Operation> GceHealthChecks::Update(const std::string& project,
                                          const std::string& health_check, const HealthCheck& hc,
                                          const MutationOptions& opts) {
  Json body = compute::ToJson(hc);
  return c_.Mutate("PUT", One(project, health_check), {}, &body, opts);
}

Result<Operation> GceHealthChecks::Patch(const std::string& project,
                                         const std::string& health_check, const Json& patch,
                                         const MutationOptions& opts) {
  return c_.Mutate("PATCH", One(project, health_check), {}, &patch, opts);
}

Result<Operation> GceHealthChecks::Delete(const std::string& project,
                                          const std::string& health_check,
                                          const MutationOptions& opts) {
  return c_.Mutate("DELETE", One(project, health_check), {}, nullptr, opts);
}

}  // namespace imago::gce
