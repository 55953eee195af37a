#include "lifecycle/usage.h"

#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "lifecycle/release_ledger.h"

namespace imago::lifecycle {

namespace {

uint64_t ParseId(const std::string& s) {
  uint64_t id = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  return ec == std::errc() && p == s.data() + s.size() ? id : 0;
}

}  // namespace

compute::Result<VmResources> ListVmResources(compute::Service& svc, const std::string& project,
                                             int* calls, int releases_kept) {
  VmResources out;
  auto zones = compute::ListAllZones(svc.zones(), project);
  if (calls) ++*calls;
  if (!zones.ok()) return zones.status();
  for (const auto& z : *zones) {
    compute::ListOptions opts;
    while (true) {
      auto page = svc.disks().List(project, z.name, opts);
      if (calls) ++*calls;
      if (!page.ok()) return page.status();
      for (auto& d : page->items) out.disks.push_back(std::move(d));
      if (page->next_page_token.empty()) break;
      opts.page_token = page->next_page_token;
    }
  }
  compute::ListOptions opts;
  while (true) {
    auto page = svc.snapshots().List(project, opts);
    if (calls) ++*calls;
    if (!page.ok()) return page.status();
    for (auto& s : page->items) out.snapshots.push_back(std::move(s));
    if (page->next_page_token.empty()) break;
    opts.page_token = page->next_page_token;
  }
  opts = {};
  while (true) {
    auto page = svc.instance_templates().List(project, opts);
    if (calls) ++*calls;
    if (!page.ok()) return page.status();
    for (auto& t : page->items) out.templates.push_back(std::move(t));
    if (page->next_page_token.empty()) break;
    opts.page_token = page->next_page_token;
  }
  auto p = svc.projects().Get(project);
  if (calls) ++*calls;
  if (!p.ok()) return p.status();
  for (const auto& [key, releases] : AllLedgers(p->common_instance_metadata.items)) {
    const int n = static_cast<int>(releases.size());
    for (int i = 0; i < n; ++i) {
      const Release& r = releases[i];
      bool needed = i >= n - releases_kept || r.state == release_state::kLive ||
                    r.state == release_state::kDisabled || r.state == release_state::kDeploying;
      if (needed && !r.image_id.empty()) {
        out.release_images.emplace_back(
            key.substr(strlen(kLedgerPrefix)) + " release " + std::to_string(r.number), r.image_id);
      }
    }
  }
  return out;
}

UsageIndex::UsageIndex(const std::vector<compute::Image>& images, const VmResources& vms) {
  for (const compute::Image& im : images) {
    if (im.State() == compute::DeprecationState::kDeleted) continue;
    if (uint64_t parent = ParseId(im.source_image_id)) uses_[parent].push_back({"image", im.name});
  }
  // A disk's image: its own source, or the image of the disk its snapshot was taken of.
  std::map<uint64_t, uint64_t> disk_image, snapshot_disk;
  for (const auto& s : vms.snapshots) snapshot_disk[s.id] = ParseId(s.source_disk_id);
  for (const auto& d : vms.disks) disk_image[d.id] = ParseId(d.source_image_id);
  auto image_of = [&](const compute::Disk& d) -> uint64_t {
    if (uint64_t img = ParseId(d.source_image_id)) return img;
    auto snap = snapshot_disk.find(ParseId(d.source_snapshot_id));
    if (snap == snapshot_disk.end()) return 0;
    auto img = disk_image.find(snap->second);
    return img == disk_image.end() ? 0 : img->second;
  };
  for (const auto& d : vms.disks) {
    uint64_t img = image_of(d);
    if (!img) continue;
    if (d.users.empty()) {
      uses_[img].push_back({"disk", d.name});
    }
    for (const auto& u : d.users) {
      size_t slash = u.rfind('/');
      uses_[img].push_back({"instance", u.substr(slash + 1) + " (disk " + d.name + ")"});
    }
    disk_image[d.id] = img;
  }
  for (const auto& s : vms.snapshots) {
    auto img = disk_image.find(ParseId(s.source_disk_id));
    if (img != disk_image.end() && img->second) uses_[img->second].push_back({"snapshot", s.name});
  }
  std::map<std::string, uint64_t> by_name;
  for (const compute::Image& im : images) by_name[im.name] = im.id;
  for (const auto& t : vms.templates) {
    for (const auto& d : t.properties.disks) {
      if (!d.initialize_params || d.initialize_params->source_image.empty()) continue;
      const std::string& src = d.initialize_params->source_image;
      if (src.find("/family/") != std::string::npos) continue;  // Resolved at each disk.
      auto it = by_name.find(src.substr(src.rfind('/') + 1));
      if (it != by_name.end()) uses_[it->second].push_back({"template", t.name});
    }
  }
  for (const auto& [by, id] : vms.release_images) {
    if (uint64_t img = ParseId(id)) uses_[img].push_back({"release", by});
  }
}

const std::vector<ImageUse>& UsageIndex::UsesOf(uint64_t image_id) const {
  static const std::vector<ImageUse> kNone;
  auto it = uses_.find(image_id);
  return it == uses_.end() ? kNone : it->second;
}

std::string UsageIndex::Describe(const std::vector<ImageUse>& uses) {
  if (uses.empty()) return "";
  std::string s = uses[0].kind + " " + uses[0].by;
  if (uses.size() > 1) s += fmt::format(" (and {} more)", uses.size() - 1);
  return s;
}

}  // namespace imago::lifecycle
