#include "lifecycle/ancestry.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace imago::lifecycle {

std::map<std::string, const compute::Image*> FamilyHeads(
    const std::vector<compute::Image>& images) {
  std::map<std::string, const compute::Image*> heads;
  for (const compute::Image& im : images) {
    if (im.family.empty() || im.status != "READY" || im.IsDeprecated()) continue;
    const compute::Image*& h = heads[im.family];
    // RFC 3339 texts written by one server compare as times.
    if (!h || im.creation_timestamp > h->creation_timestamp) h = &im;
  }
  return heads;
}

std::vector<OutdatedImage> FindOutdated(const std::vector<compute::Image>& images,
                                        const std::optional<std::string>& family) {
  std::map<uint64_t, const compute::Image*> by_id;
  for (const compute::Image& im : images) by_id[im.id] = &im;
  auto heads = FamilyHeads(images);
  auto parent_of = [&](const compute::Image* im) -> const compute::Image* {
    uint64_t id = 0;
    const std::string& s = im->source_image_id;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
    if (s.empty() || ec != std::errc()) return nullptr;
    auto it = by_id.find(id);
    return it == by_id.end() ? nullptr : it->second;
  };
  std::vector<OutdatedImage> out;
  for (const compute::Image& im : images) {
    if (im.IsDeprecated()) continue;
    if (family && im.family != *family) continue;
    // An image its family has moved past is for rotation, not for a
    // rebuild: only what a family serves now (and family-less images) count.
    if (!im.family.empty()) {
      auto own = heads.find(im.family);
      if (own != heads.end() && own->second != &im) continue;
    }
    std::set<uint64_t> seen = {im.id};
    int depth = 1;
    for (const compute::Image* a = parent_of(&im); a && seen.insert(a->id).second;
         a = parent_of(a), ++depth) {
      if (a->family.empty()) continue;
      auto h = heads.find(a->family);
      const compute::Image* head = h == heads.end() ? nullptr : h->second;
      if (head != a) {
        out.push_back({&im, a, head, depth});
        break;
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const OutdatedImage& x, const OutdatedImage& y) {
    return x.image->name < y.image->name;
  });
  return out;
}

}  // namespace imago::lifecycle
