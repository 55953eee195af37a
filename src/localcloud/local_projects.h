// LocalProjects: projects.get and setCommonInstanceMetadata on the local
// cloud. Any well-formed project id names a project (they come into being
// with their first resource); its quotas are what this host holds; its
// common metadata is one catalog row (kind "project") once set.
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LOCAL_PROJECTS_H_
#define IMAGO_LOCALCLOUD_LOCAL_PROJECTS_H_

#include <string>

#include "compute/projects.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

class LocalProjects final : public compute::Projects {
 public:
  explicit LocalProjects(LocalStore& store) : s_(store) {}
  LocalProjects(const LocalProjects&) = delete;
  LocalProjects& operator=(const LocalProjects&) = delete;

  compute::Result<compute::Project> Get(const std::string& project) override;
  compute::Result<compute::Operation> SetCommonInstanceMetadata(
      const std::string& project, const compute::Metadata& metadata,
      const compute::MutationOptions& opts) override;

  /// The project's common instance metadata (empty, with the fingerprint of
  /// no items, until set). Takes the store's lock.
  static compute::Result<compute::Metadata> CommonMetadata(LocalStore& s,
                                                           const std::string& project);

 private:
  LocalStore& s_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_PROJECTS_H_
