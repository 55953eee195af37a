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

Result<std::vector<Image>> ListAllImages(Service& svc, const std::string& project, ListOptions opts,
                                         int* calls) {
  return ListAll<Image>(opts, calls,
                        [&](const ListOptions& o) { return svc.ListImages(project, o); });
}

Result<std::vector<Disk>> ListAllDisks(Service& svc, const std::string& project,
                                       const std::string& zone, ListOptions opts) {
  return ListAll<Disk>(opts, nullptr,
                       [&](const ListOptions& o) { return svc.ListDisks(project, zone, o); });
}

Result<std::vector<Instance>> ListAllInstances(Service& svc, const std::string& project,
                                               const std::string& zone, ListOptions opts) {
  return ListAll<Instance>(
      opts, nullptr, [&](const ListOptions& o) { return svc.ListInstances(project, zone, o); });
}

Result<std::vector<Snapshot>> ListAllSnapshots(Service& svc, const std::string& project,
                                               ListOptions opts) {
  return ListAll<Snapshot>(opts, nullptr,
                           [&](const ListOptions& o) { return svc.ListSnapshots(project, o); });
}

}  // namespace imago::compute
