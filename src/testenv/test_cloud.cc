#include "testenv/test_cloud.h"

#include <cstdio>
#include <cstdlib>

#include "localcloud/local_cloud.h"

namespace imago::testenv {

std::unique_ptr<compute::Service> OpenTestCloud(const TestCloudOptions& options) {
  localcloud::LocalCloudOptions o;
  o.home = options.home;
  o.clock = options.clock;
  auto cloud = localcloud::LocalCloud::Open(o);
  if (!cloud.ok()) {
    fprintf(stderr, "cannot open a test cloud in %s: %s\n", o.home.c_str(),
            cloud.status().message().c_str());
    abort();
  }
  return std::move(cloud.value());
}

std::string ImageContentPath(compute::Service& cloud, const std::string& project,
                             const std::string& image) {
  auto* local = dynamic_cast<localcloud::LocalCloud*>(&cloud);
  if (!local) return "";
  auto path = local->ImageContentPath(project, image);
  return path.ok() ? *path : "";
}

}  // namespace imago::testenv
