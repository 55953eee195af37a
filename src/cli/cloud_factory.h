// The one place that picks a cloud: the local cloud (for commands, for
// `imago serve`, for the metadata helper QEMU runs) or Compute Engine's REST
// API. Nothing else above the waist includes src/localcloud or src/gce
// (scripts/check_layers.sh fails the build when something does).
#ifndef IMAGO_CLI_CLOUD_FACTORY_H_
#define IMAGO_CLI_CLOUD_FACTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "compute/service.h"
#include "compute/status.h"
#include "compute/time_util.h"

namespace imago::cli {

/// How to open the local cloud.
struct LocalCloudSetup {
  std::string home;
  const compute::Clock* clock = nullptr;  // Not owned; must outlive the cloud.
  /// Where selfLinks point ("" : GCE's own prefix).
  std::string self_link_base;
  /// Run crash recovery and VM reconciliation (the metadata helper, which
  /// only reads, does not).
  bool recover = true;
  /// Image.rawDisk.source may name any file this process reads (the imago
  /// command: its user's own files); when false, only files below
  /// `import_roots` (imago serve). Buckets ($HOME/buckets) are open to both.
  bool host_files = true;
  std::vector<std::string> import_roots;
};

/// Opens the local cloud in setup.home, running this very program as each
/// guest's metadata server. What recovery did goes into `notes`, one line
/// each, for the caller to print. 503/400 as LocalCloud::Open.
/// The path of the running imago binary (/proc/self/exe); "" when it cannot
/// be read. For the imago processes imago starts (controller, steps, Ansible's plugin).
std::string ThisProgram();

compute::Result<std::unique_ptr<compute::Service>> OpenLocalCloud(
    const LocalCloudSetup& setup, std::vector<std::string>* notes = nullptr);

/// A file of an image's file system, read without booting it (the local
/// cloud reads its disk; see LocalImages::ReadFile). 400 naming the reason
/// on any other cloud: Compute Engine's API cannot read an image's files.
compute::Result<std::string> ReadImageFile(compute::Service& cloud, const std::string& project,
                                           const std::string& image, const std::string& path,
                                           size_t max_bytes);

/// How to reach Compute Engine.
struct GceSetup {
  std::string endpoint;
  std::string access_token;  // "" : Google's credential search order.
  bool log_http = false;     // Every exchange on stderr, credentials redacted (--log-http).
};

/// A client of the endpoint with credentials found as Google's libraries
/// find them. 401 naming what was tried when there are none.
compute::Result<std::unique_ptr<compute::Service>> OpenGceClient(const GceSetup& setup);

/// The project and zone of gcloud's active configuration ("" when unset).
struct GcloudDefaults {
  std::string project;
  std::string zone;
};
GcloudDefaults ReadGcloudDefaults();

/// Serves one guest's connection to the metadata server on stdin/stdout
/// (`imago __metadata`, run by QEMU). Returns when the guest closes it.
compute::Status ServeGuestMetadata(const std::string& home, const std::string& project,
                                   const std::string& zone, const std::string& instance);

}  // namespace imago::cli

#endif  // IMAGO_CLI_CLOUD_FACTORY_H_
