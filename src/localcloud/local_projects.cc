#include "localcloud/local_projects.h"

#include "compute/types.h"
#include "compute/vm_types.h"
#include "localcloud/host_quotas.h"
#include "localcloud/project_number.h"

namespace imago::localcloud {

using compute::Project;
using compute::Result;
using compute::Status;

Result<Project> LocalProjects::Get(const std::string& project) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  Project p;
  p.id = ProjectNumber(project);
  p.creation_timestamp = "2026-01-01T00:00:00.000-00:00";
  p.name = project;
  p.description = "A project of the imago local cloud at " + s_.home();
  p.common_instance_metadata.fingerprint = compute::MetadataFingerprint({});
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
