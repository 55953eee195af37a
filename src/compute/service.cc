#include "compute/service.h"

namespace imago::compute {

Result<std::vector<Image>> ListAllImages(Service& svc, const std::string& project, ListOptions opts,
                                         int* calls) {
  std::vector<Image> all;
  while (true) {
    auto page = svc.ListImages(project, opts);
    if (calls) ++*calls;
    if (!page.ok()) return page.status();
    for (auto& im : page->items) all.push_back(std::move(im));
    if (page->next_page_token.empty()) return all;
    opts.page_token = page->next_page_token;
  }
}

}  // namespace imago::compute
