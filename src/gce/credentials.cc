#include "gce/credentials.h"

namespace imago::gce {

compute::Result<std::string> AccessTokenCredentials::Token(bool refresh) {
  if (refresh || token_.empty()) {
    return compute::Status(compute::Code::kUnauthorized,
                           Describe() +
                               " was refused or is empty, and a fixed token cannot be "
                               "refreshed: get a new one (gcloud auth print-access-token)");
  }
  return token_;
}

}  // namespace imago::gce
