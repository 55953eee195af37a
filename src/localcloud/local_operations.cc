#include "localcloud/local_operations.h"

#include <chrono>
#include <thread>

#include "compute/aggregate.h"
#include "compute/filter.h"
#include "compute/json_codec.h"
#include "localcloud/list_util.h"

namespace imago::localcloud {

using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::Operation;
using compute::Result;
using compute::Scope;
using compute::Status;

namespace {

std::string PathOf(const Scope& scope, const std::string& name) {
  return scope.global() ? compute::GlobalOperationPath(scope.project, name)
                        : compute::ZonalPath(scope.project, scope.zone, "operations", name);
}

}  // namespace

Result<Operation> LocalOperations::Get(const Scope& scope, const std::string& name) {
  if (scope.global()) {
    IMAGO_RETURN_IF_ERROR(s_.CheckProject(scope.project));
  } else {
    IMAGO_RETURN_IF_ERROR(s_.CheckZone(scope.project, scope.zone));
  }
  std::lock_guard lock(s_.mu());
  auto row = s_.catalog().FindOperation(scope.project, name);
  if (!row.ok()) return row.status();
  // An operation is found only in its own scope, as on GCE.
  if (!row->has_value() || compute::LastSegment((*row)->op.zone) != scope.zone) {
    return Status::ResourceNotFound(PathOf(scope, name));
  }
  return std::move((*row)->op);
}

Result<Operation> LocalOperations::Wait(const Scope& scope, const std::string& name) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(110);
  while (true) {
    auto op = Get(scope, name);
    if (!op.ok() || op->done() || std::chrono::steady_clock::now() > deadline) return op;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Result<ListPage<Operation>> LocalOperations::List(const Scope& scope, const ListOptions& opts) {
  if (!scope.global()) IMAGO_RETURN_IF_ERROR(s_.CheckZone(scope.project, scope.zone));
  // The zone binds page tokens to their listing ("" for global ones).
  auto plan = internal::PlanList("operations", scope.project, opts,
                                 compute::OperationFilterSchema(), scope.zone);
  if (!plan.ok()) return plan.status();
  plan->scan.zone = scope.zone;
  internal::PageFiller<Operation> filler(*plan);
  std::lock_guard lock(s_.mu());
  IMAGO_RETURN_IF_ERROR(s_.catalog().db().ReadTxn([&]() -> Status {
    return s_.catalog().ScanOperations(scope.project, plan->scan, [&](OperationRow&& row) {
      Json j = compute::ToJson(row.op);
      std::string name = row.op.name;
      return filler.Add(std::move(row.op), j, row.seq, name);
    });
  }));
  return filler.Finish();
}

Result<compute::AggregatedPage<Operation>> LocalOperations::AggregatedList(
    const std::string& project, const ListOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  std::vector<std::string> scopes = {"global"};
  for (const auto& z : s_.options().zones) scopes.push_back("zones/" + z);
  return compute::AggregateList<Operation>(
      scopes, opts, [&](const std::string& scope, const ListOptions& o) {
        return List({project, scope == "global" ? "" : scope.substr(6)}, o);
      });
}

Status LocalOperations::Delete(const Scope& scope, const std::string& name) {
  auto op = Get(scope, name);
  if (!op.ok()) return op.status();
  if (!op->done()) {
    return Status::NotReady("The operation is still running; delete it when it is DONE.");
  }
  std::lock_guard lock(s_.mu());
  return s_.catalog().db().WriteTxn(
      [&] { return s_.catalog().DeleteOperation(scope.project, op->id); });
}

}  // namespace imago::localcloud
