#include "compute/service.h"

namespace imago::compute {

namespace {

// Reads page after page of `list` from opts.page_token on.
template <typename T, typename ListFn>
Result<std::vector<T>> ListAll(ListOptions opts, int* calls, const ListFn& list) {
  std::vector<T> all;
  while (true) {
    Result<ListPage<T>> page = list(opts);
    if (calls) ++*calls;
    if (!page.ok()) return page.status();
    for (auto& item : page->items) all.push_back(std::move(item));
    if (page->next_page_token.empty()) return all;
    opts.page_token = page->next_page_token;
  }
}

}  // namespace

ComposedService::ComposedService(Service& base)
    : base_(base),
      images_(&base.images()),
      disks_(&base.disks()),
      snapshots_(&base.snapshots()),
      instances_(&base.instances()),
      operations_(&base.operations()),
      instance_templates_(&base.instance_templates()),
      health_checks_(&base.health_checks()),
      instance_group_managers_(&base.instance_group_managers()),
      group_runtime_(base.group_runtime()) {}

Result<std::vector<Image>> ListAllImages(Images& images, const std::string& project,
                                         ListOptions opts, int* calls) {
  return ListAll<Image>(opts, calls, [&](const ListOptions& o) { return images.List(project, o); });
}

Result<std::vector<Disk>> ListAllDisks(Disks& disks, const std::string& project,
                                       const std::string& zone, ListOptions opts) {
  return ListAll<Disk>(opts, nullptr,
                       [&](const ListOptions& o) { return disks.List(project, zone, o); });
}

Result<std::vector<Instance>> ListAllInstances(Instances& instances, const std::string& project,
                                               const std::string& zone, ListOptions opts) {
  return ListAll<Instance>(opts, nullptr,
                           [&](const ListOptions& o) { return instances.List(project, zone, o); });
}

Result<std::vector<Snapshot>> ListAllSnapshots(Snapshots& snapshots, const std::string& project,
                                               ListOptions opts) {
  return ListAll<Snapshot>(opts, nullptr,
                           [&](const ListOptions& o) { return snapshots.List(project, o); });
}

Result<std::vector<Zone>> ListAllZones(Zones& zones, const std::string& project) {
  return ListAll<Zone>({}, nullptr, [&](const ListOptions& o) { return zones.List(project, o); });
}

}  // namespace imago::compute
