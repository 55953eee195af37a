// The GCE metadata server, as a guest sees it at 169.254.169.254: the paths
// of computeMetadata/v1 (instance/attributes/KEY, instance/id, project/...),
// the Metadata-Flavor: Google header both ways, ?recursive=true, ?alt=json
// and ?wait_for_change=true. QEMU runs `imago __metadata` for each guest
// connection with the connection on stdin/stdout, so each VM only ever
// reaches a server that knows which instance it is.
#ifndef IMAGO_LOCALCLOUD_METADATA_SERVER_H_
#define IMAGO_LOCALCLOUD_METADATA_SERVER_H_

#include <functional>
#include <map>
#include <string>

#include "compute/status.h"
#include "compute/vm_types.h"
#include "localcloud/metadata_http.h"

namespace imago::localcloud {

struct MetadataResponse {
  int status = 200;
  std::string content_type = "application/text";
  std::string body;
  std::string etag;
};

/// The answer to `req` for `instance` of `project`, whose common instance
/// metadata (project/attributes/) is `common`.
MetadataResponse AnswerMetadata(const MetadataRequest& req, const compute::Instance& instance,
                                const std::string& project, const compute::Metadata& common = {});

/// Serves the HTTP/1.1 requests of one connection (read from `in_fd`,
/// answered on `out_fd`) until the guest closes it. `load` reads the
/// instance as it is now (it is called again while a wait_for_change waits);
/// `load_common`, when given, the project's common metadata as it is now.
void ServeMetadataConnection(
    int in_fd, int out_fd, const std::function<compute::Result<compute::Instance>()>& load,
    const std::string& project,
    const std::function<compute::Result<compute::Metadata>()>& load_common = nullptr);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_METADATA_SERVER_H_
