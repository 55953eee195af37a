#include "lifecycle/usage.h"

#include <charconv>

#include <fmt/format.h>

namespace imago::lifecycle {

UsageIndex::UsageIndex(const std::vector<compute::Image>& images) {
  for (const compute::Image& im : images) {
    if (im.source_image_id.empty()) continue;
    if (im.State() == compute::DeprecationState::kDeleted) continue;
    uint64_t parent = 0;
    const std::string& s = im.source_image_id;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), parent);
    if (ec != std::errc() || p != s.data() + s.size()) continue;
    uses_[parent].push_back({"image", im.name});
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
