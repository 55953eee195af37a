// What this host can hold, and what the local cloud uses of it: the
// numbers behind the quotas of regions.get and projects.get.
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_HOST_QUOTAS_H_
#define IMAGO_LOCALCLOUD_HOST_QUOTAS_H_

#include <string>
#include <vector>

#include "compute/cloud_types.h"
#include "compute/status.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

/// Quotas of the instances and disks in `zones` of `project`: CPUS (limit:
/// the host's cores), INSTANCES (limit: how many of the smallest machine
/// type the host's memory holds), DISKS_TOTAL_GB (limit: the size of the
/// file system of the home directory). Usage counts RUNNING instances and
/// every disk. Reads the catalog with the store's lock taken here.
compute::Result<std::vector<compute::Quota>> ZoneQuotas(LocalStore& s, const std::string& project,
                                                        const std::vector<std::string>& zones);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_HOST_QUOTAS_H_
