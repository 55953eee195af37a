#include "localcloud/unsupported.h"

namespace imago::localcloud {

using compute::Status;

Status RefuseUnsupported(const compute::Json& extra, const std::string& where,
                         std::initializer_list<Unsupported> fields) {
  if (!extra.is_object()) return Status::OK();
  for (const Unsupported& u : fields) {
    if (!extra.contains(u.field)) continue;
    std::string shown = extra[u.field].dump();
    if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
    return Status::InvalidField(
        where + "." + u.field, shown,
        std::string("Not supported by the local cloud: ") + u.instead + ".");
  }
  return Status::OK();
}

}  // namespace imago::localcloud
