// A stable numeric number for a project name: GCE's project numbers are
// numeric, the local cloud's projects have names only.
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_PROJECT_NUMBER_H_
#define IMAGO_LOCALCLOUD_PROJECT_NUMBER_H_

#include <cstdint>
#include <string>

namespace imago::localcloud {

/// 12 digits, the same for the same name (FNV-1a).
inline uint64_t ProjectNumber(const std::string& project) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : project) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return 100000000000ULL + h % 900000000000ULL;
}

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_PROJECT_NUMBER_H_
