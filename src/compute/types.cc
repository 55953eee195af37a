#include "compute/types.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace imago::compute {

const char* DeprecationStateName(DeprecationState s) {
  switch (s) {
    case DeprecationState::kActive:
      return "ACTIVE";
    case DeprecationState::kDeprecated:
      return "DEPRECATED";
    case DeprecationState::kObsolete:
      return "OBSOLETE";
    case DeprecationState::kDeleted:
      return "DELETED";
  }
  return "ACTIVE";
}

std::optional<DeprecationState> ParseDeprecationState(const std::string& s) {
  if (s == "ACTIVE") return DeprecationState::kActive;
  if (s == "DEPRECATED") return DeprecationState::kDeprecated;
  if (s == "OBSOLETE") return DeprecationState::kObsolete;
  if (s == "DELETED") return DeprecationState::kDeleted;
  return std::nullopt;
}

std::string LabelFingerprint(const Labels& labels) {
  std::string canon;
  for (const auto& [k, v] : labels) {
    canon += k;
    canon.push_back('\0');
    canon += v;
    canon.push_back('\0');
  }
  return ShortFingerprint(canon);
}

std::string ShortFingerprint(const std::string& canonical) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), digest);
  unsigned char out[16];
  int n = EVP_EncodeBlock(out, digest, 8);
  return std::string(reinterpret_cast<char*>(out), n);
}

}  // namespace imago::compute
