#include "localcloud/local_projects.h"

#include "compute/types.h"
#include "compute/vm_codec.h"
#include "compute/vm_types.h"
#include "localcloud/host_quotas.h"
#include "localcloud/instance_checks.h"
#include "localcloud/project_number.h"

namespace imago::localcloud {

using compute::Json;
using compute::Metadata;
using compute::MutationOptions;
using compute::Operation;
using compute::Project;
using compute::Result;
using compute::Status;

namespace {

constexpr const char* kProjectKind = "project";

// Within a transaction: the stored metadata of `project`, or none.
Result<Metadata> ReadMetadata(Catalog& c, const std::string& project) {
  auto row = c.FindResource(kProjectKind, project, "", project);
  if (!row.ok()) return row.status();
  if (!row->has_value()) {
    Metadata m;
    m.fingerprint = compute::MetadataFingerprint({});
    return m;
  }
  return compute::MetadataFromJson(
      (*row)->resource.value("commonInstanceMetadata", Json::object()));
}

}  // namespace

Result<Metadata> LocalProjects::CommonMetadata(LocalStore& s, const std::string& project) {
  std::lock_guard lock(s.mu());
  Result<Metadata> m = Status::Internal("not read");
  IMAGO_RETURN_IF_ERROR(s.catalog().db().ReadTxn([&]() -> Status {
    m = ReadMetadata(s.catalog(), project);
    return m.status();
  }));
  return m;
}

Result<Operation> LocalProjects::SetCommonInstanceMetadata(const std::string& project,
                                                           const Metadata& metadata,
                                                           const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  IMAGO_RETURN_IF_ERROR(ValidateMetadata(metadata));
  return s_.Mutate(project, "setCommonInstanceMetadata", opts, [&](Operation* op) -> Status {
    Catalog& c = s_.catalog();
    auto current = ReadMetadata(c, project);
    if (!current.ok()) return current.status();
    if (metadata.fingerprint != current->fingerprint) {
      Status st = Status::ConditionNotMet(
          "Supplied fingerprint does not match current metadata fingerprint.");
      st.WithLocation("If-Match");
      return st;
    }
    Metadata next;
    next.items = metadata.items;
    next.fingerprint = compute::MetadataFingerprint(next.items);
    auto row = c.FindResource(kProjectKind, project, "", project);
    if (!row.ok()) return row.status();
    if (row->has_value()) {
      (*row)->resource["commonInstanceMetadata"] = compute::ToJson(next);
      IMAGO_RETURN_IF_ERROR(c.UpdateResource(**row));
      op->target_id = (*row)->id;
    } else {
      ResourceRow r;
      r.kind = kProjectKind;
      r.project = project;
      r.name = project;
      r.id = s_.NewId();
      r.creation_us = s_.NowUs();
      r.resource = {{"commonInstanceMetadata", compute::ToJson(next)}};
      IMAGO_RETURN_IF_ERROR(c.InsertResource(r));
      op->target_id = r.id;
    }
    op->target_link = s_.Link("projects/" + project);
    return Status::OK();
  });
}

Result<Project> LocalProjects::Get(const std::string& project) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  Project p;
  p.id = ProjectNumber(project);
  p.creation_timestamp = "2026-01-01T00:00:00.000-00:00";
  p.name = project;
  p.description = "A project of the imago local cloud at " + s_.home();
  auto common = CommonMetadata(s_, project);
  if (!common.ok()) return common.status();
  p.common_instance_metadata = std::move(common.value());
  auto quotas = ZoneQuotas(s_, project, s_.options().zones);
  if (!quotas.ok()) return quotas.status();
  // GCE names the project-wide CPU quota CPUS_ALL_REGIONS.
  for (auto& q : *quotas) {
    if (q.metric == "CPUS") q.metric = "CPUS_ALL_REGIONS";
  }
  p.quotas = std::move(quotas.value());
  // Images and snapshots count against the same disk as everything else.
  int64_t images = 0, snapshots = 0;
  {
    std::lock_guard lock(s_.mu());
    Catalog& c = s_.catalog();
    IMAGO_RETURN_IF_ERROR(c.db().ReadTxn([&]() -> Status {
      IMAGO_RETURN_IF_ERROR(c.ScanImages(project, {}, [&](ImageRow&&) {
        ++images;
        return true;
      }));
      return c.ScanResources(kSnapshotKind, project, "", {}, [&](ResourceRow&&) {
        ++snapshots;
        return true;
      });
    }));
  }
  p.quotas.push_back({"IMAGES", 100000, static_cast<double>(images)});
  p.quotas.push_back({"SNAPSHOTS", 100000, static_cast<double>(snapshots)});
  p.default_service_account = "imago@" + project + ".iam.gserviceaccount.com";
  p.default_network_tier = "PREMIUM";
  p.xpn_project_status = "UNSPECIFIED_XPN_PROJECT_STATUS";
  p.self_link = s_.Link("projects/" + project);
  return p;
}

}  // namespace imago::localcloud
