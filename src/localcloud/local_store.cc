#include "localcloud/local_store.h"

#include <unistd.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "compute/names.h"

namespace imago::localcloud {

using compute::Operation;
using compute::Result;
using compute::Status;

namespace {

std::string Hex(uint64_t v, int digits) {
  std::string s = fmt::format("{:016x}", v);
  return s.substr(16 - digits);
}

}  // namespace

LocalStore::LocalStore(LocalCloudOptions options, std::unique_ptr<Catalog> catalog)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &system_clock_),
      catalog_(std::move(catalog)),
      store_(options_.home),
      rng_(std::random_device{}() ^ (static_cast<uint64_t>(getpid()) << 32) ^
           static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {}

uint64_t LocalStore::NewId() {
  std::lock_guard lock(rng_mu_);
  return 1'000'000'000'000'000'000ULL + rng_() % 8'000'000'000'000'000'000ULL;
}

Operation LocalStore::NewOperation(const std::string& project, const char* type,
                                   const std::string& request_id, const std::string& zone) {
  Operation op;
  op.id = NewId();
  uint64_t ms = static_cast<uint64_t>(NowUs() / 1000);
  {
    std::lock_guard lock(rng_mu_);
    op.name =
        fmt::format("operation-{}-{}-{}-{}", ms, Hex(rng_(), 13), Hex(rng_(), 8), Hex(rng_(), 8));
  }
  op.operation_type = type;
  op.status = "RUNNING";
  op.progress = 0;
  op.user = options_.user;
  op.insert_time = Now3339();
  op.start_time = op.insert_time;
  op.client_operation_id = request_id;
  if (zone.empty()) {
    op.self_link = Link(compute::GlobalOperationPath(project, op.name));
  } else {
    op.zone = ZoneLink(project, zone);
    op.self_link = Link(compute::ZonalPath(project, zone, "operations", op.name));
  }
  return op;
}

Status LocalStore::CheckProject(const std::string& project) const {
  return compute::ValidateProject(project);
}

Status LocalStore::CheckZone(const std::string& project, const std::string& zone) const {
  IMAGO_RETURN_IF_ERROR(CheckProject(project));
  for (const auto& z : options_.zones) {
    if (z == zone) return Status::OK();
  }
  return Status::ResourceNotFound(compute::ZonePath(project, zone));
}

std::string LocalStore::RunDir(uint64_t instance_id) const {
  return options_.home + "/run/" + std::to_string(instance_id);
}

std::string LocalStore::DiskFile(uint64_t disk_id) const {
  return options_.home + "/disks/" + std::to_string(disk_id) + ".qcow2";
}

std::string LocalStore::OperationLockPath(const std::string& operation_name) const {
  return options_.home + "/tmp/" + operation_name + ".lock";
}

void LocalStore::MaybePause(const char* step) const {
  if (options_.pause_at != step) return;
  fprintf(stderr, "imago: paused at %s\n", step);
  fflush(stderr);
  std::this_thread::sleep_for(std::chrono::seconds(60));
}

Result<Operation> LocalStore::Mutate(const std::string& project, const char* type,
                                     const compute::MutationOptions& opts, const MutateFn& fn,
                                     const std::string& zone) {
  IMAGO_RETURN_IF_ERROR(CheckProject(project));
  if (!opts.request_id.empty()) IMAGO_RETURN_IF_ERROR(compute::ValidateRequestId(opts.request_id));
  std::lock_guard lock(mu_);
  Operation result;
  Status st = catalog_->db().WriteTxn([&]() -> Status {
    if (!opts.request_id.empty()) {
      auto prior = catalog_->FindOperationByRequestId(project, opts.request_id);
      if (!prior.ok()) return prior.status();
      if (prior->has_value()) {
        result = (*prior)->op;  // A replay: the first call's operation, no new effect.
        return Status::OK();
      }
    }
    Operation op = NewOperation(project, type, opts.request_id, zone);
    IMAGO_RETURN_IF_ERROR(fn(&op));
    op.status = "DONE";
    op.progress = 100;
    op.end_time = Now3339();
    OperationRow row{op, project, NowUs(), ""};
    IMAGO_RETURN_IF_ERROR(catalog_->InsertOperation(row));
    result = std::move(op);
    return Status::OK();
  });
  if (!st.ok()) return st;
  if (options_.pause_at.starts_with("mutation-")) {
    MaybePause(("mutation-" + std::to_string(++mutations_)).c_str());
  }
  return result;
}

Result<ResourceRow> LocalStore::LoadRow(const char* kind, const char* collection,
                                        const std::string& project, const std::string& zone,
                                        const std::string& name) {
  std::string path = zone.empty() ? compute::GlobalPath(project, collection, name)
                                  : compute::ZonalPath(project, zone, collection, name);
  if (name.empty()) return Status::ResourceNotFound(path);
  auto row = catalog_->FindResource(kind, project, zone, name);
  if (!row.ok()) return row.status();
  if (!row->has_value()) return Status::ResourceNotFound(path);
  return std::move(**row);
}

}  // namespace imago::localcloud
