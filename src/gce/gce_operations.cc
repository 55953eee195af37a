#include "gce/gce_operations.h"

namespace imago::gce {

using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::Operation;
using compute::Result;
using compute::Scope;
using compute::Status;

namespace {

std::string OperationsPath(const Scope& scope) {
  return scope.global() ? ProjectPath(scope.project) + "global/operations"
                        : ZonePath(scope.project, scope.zone) + "operations";
}
Result<Operation> ReadOperation(const Json& x) {
  return compute::OperationFromJson(x);
}

}  // namespace

Result<Operation> GceOperations::Get(const Scope& scope, const std::string& name) {
  auto j = c_.Get(OperationsPath(scope) + "/" + UrlEncode(name));
  if (!j.ok()) return j.status();
  return ReadAnswer<Operation>(*j, ReadOperation);
}

Result<Operation> GceOperations::Wait(const Scope& scope, const std::string& name) {
  auto j = c_.Call("POST", OperationsPath(scope) + "/" + UrlEncode(name) + "/wait", {}, nullptr);
  if (!j.ok()) return j.status();
  return ReadAnswer<Operation>(*j, ReadOperation);
}

Result<ListPage<Operation>> GceOperations::List(const Scope& scope, const ListOptions& opts) {
  auto j = c_.Get(OperationsPath(scope), ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadPage<Operation>(*j, ReadOperation);
}

Result<compute::AggregatedPage<Operation>> GceOperations::AggregatedList(const std::string& project,
                                                                         const ListOptions& opts) {
  auto j = c_.Get(ProjectPath(project) + "aggregated/operations", ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadAggregated<Operation>(*j, "operations", ReadOperation);
}

Status GceOperations::Delete(const Scope& scope, const std::string& name) {
  return c_.Call("DELETE", OperationsPath(scope) + "/" + UrlEncode(name), {}, nullptr).status();
}

}  // namespace imago::gce
