#include "lifecycle/ancestry.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <string_view>

#include "compute/resource_ref.h"

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

namespace {

// The project a resource URL names ("" when it names none).
std::string ProjectOf(const std::string& url) {
  static constexpr std::string_view kKey = "projects/";
  size_t at = url.find(kKey);
  if (at == std::string::npos) return "";
  at += kKey.size();
  return url.substr(at, url.find('/', at) - at);
}

uint64_t IdOf(const std::string& s) {
  uint64_t id = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  return s.empty() || ec != std::errc() ? 0 : id;
}

// Whether `source_image` (a URL) names an image of the project of
// `self_link` that is not among the images: one that no longer exists.
bool GoneFromProject(const std::string& source_image, const std::string& self_link,
                     const std::map<uint64_t, const compute::Image*>& by_id, uint64_t id) {
  if (source_image.empty() || id == 0 || by_id.count(id)) return false;
  std::string p = ProjectOf(source_image);
  return !p.empty() && p == ProjectOf(self_link);
}

std::string HeadText(const std::string& family, const compute::Image* head) {
  return head ? "now " + head->name : family + " has no head now";
}

}  // namespace

std::vector<OutdatedImage> FindOutdated(const std::vector<compute::Image>& images,
                                        const std::optional<std::string>& family) {
  std::map<uint64_t, const compute::Image*> by_id;
  for (const compute::Image& im : images) by_id[im.id] = &im;
  auto heads = FamilyHeads(images);
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
    const compute::Image* cur = &im;
    for (int depth = 1;; ++depth) {
      uint64_t parent = IdOf(cur->source_image_id);
      if (GoneFromProject(cur->source_image, cur->self_link, by_id, parent)) {
        out.push_back({&im, nullptr, nullptr, depth, compute::LastSegment(cur->source_image)});
        break;
      }
      auto it = by_id.find(parent);
      if (parent == 0 || it == by_id.end() || !seen.insert(parent).second) break;
      cur = it->second;
      // An image copied from an earlier image of its own family (images
      // create --source-image) is not stale for that: it replaced it.
      if (cur->family.empty() || cur->family == im.family) continue;
      auto h = heads.find(cur->family);
      const compute::Image* head = h == heads.end() ? nullptr : h->second;
      if (head != cur) {
        out.push_back({&im, cur, head, depth, ""});
        break;
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const OutdatedImage& x, const OutdatedImage& y) {
    return x.image->name < y.image->name;
  });
  return out;
}

std::vector<StaleDisk> FindStaleDisks(const std::vector<compute::Disk>& disks,
                                      const std::vector<compute::Image>& images,
                                      const std::optional<std::string>& family) {
  std::map<uint64_t, const compute::Image*> by_id;
  for (const compute::Image& im : images) by_id[im.id] = &im;
  auto heads = FamilyHeads(images);
  std::map<const compute::Image*, OutdatedImage> outdated;
  for (const OutdatedImage& o : FindOutdated(images, std::nullopt)) outdated.emplace(o.image, o);
  std::vector<StaleDisk> out;
  for (const compute::Disk& d : disks) {
    uint64_t id = IdOf(d.source_image_id);
    if (GoneFromProject(d.source_image, d.self_link, by_id, id)) {
      if (!family) {
        out.push_back({&d, nullptr, compute::LastSegment(d.source_image) + " no longer exists"});
      }
      continue;
    }
    auto it = by_id.find(id);
    if (id == 0 || it == by_id.end()) continue;
    const compute::Image* im = it->second;
    if (family && im->family != *family) continue;
    if (!im->family.empty()) {
      auto h = heads.find(im->family);
      const compute::Image* head = h == heads.end() ? nullptr : h->second;
      if (head != im) {
        out.push_back({&d, im,
                       im->name + " is no longer the head of " + im->family + " (" +
                           HeadText(im->family, head) + ")"});
        continue;
      }
    }
    auto o = outdated.find(im);
    if (o == outdated.end()) continue;
    const OutdatedImage& x = o->second;
    out.push_back({&d, im,
                   x.stale
                       ? im->name + " is built on " + x.stale->name + ", no longer the head of " +
                             x.stale->family + " (" + HeadText(x.stale->family, x.head) + ")"
                       : im->name + " is built on " + x.gone + ", which no longer exists"});
  }
  return out;
}

}  // namespace imago::lifecycle
