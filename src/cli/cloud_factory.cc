#include "cli/cloud_factory.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "gce/gce_client.h"
#include "gce/gcloud_config.h"
#include "gce/http_transport.h"
#include "localcloud/local_cloud.h"

namespace imago::cli {

using compute::Result;
using compute::Status;

std::string ThisProgram() {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  return n > 0 ? std::string(exe, static_cast<size_t>(n)) : "";
}

Result<std::unique_ptr<compute::Service>> OpenLocalCloud(const LocalCloudSetup& setup,
                                                         std::vector<std::string>* notes) {
  localcloud::LocalCloudOptions opts;
  opts.home = setup.home;
  opts.clock = setup.clock;
  opts.recover = setup.recover;
  opts.import_policy.host_files = setup.host_files;
  opts.import_policy.roots = setup.import_roots;
  if (!setup.self_link_base.empty()) opts.self_link_base = setup.self_link_base;
  // QEMU runs this very program as each guest's metadata server.
  opts.metadata_program = ThisProgram();
  if (const char* pause = getenv("IMAGO_TEST_PAUSE_AT")) opts.pause_at = pause;
  localcloud::RecoveryReport report;
  auto cloud = localcloud::LocalCloud::Open(opts, &report);
  if (!cloud.ok()) return cloud.status();
  if (notes) {
    if (report.operations_undone || report.temp_files_removed || report.content_files_removed) {
      notes->push_back(
          "recovered from an interrupted run: " + std::to_string(report.operations_undone) +
          " operation(s) undone, " + std::to_string(report.temp_files_removed) +
          " temporary file(s) and " + std::to_string(report.content_files_removed) +
          " unreferenced content file(s) removed");
    }
    if (report.instances_terminated || report.orphan_vms_stopped) {
      notes->push_back(std::to_string(report.instances_terminated) +
                       " instance(s) whose VM had ended marked TERMINATED, " +
                       std::to_string(report.orphan_vms_stopped) +
                       " VM(s) no instance owned stopped");
    }
    if (report.unreadable_records) {
      notes->push_back(std::to_string(report.unreadable_records) +
                       " interrupted operation(s) had an unreadable journal record and were "
                       "marked failed without an undo: see `imago operations list`");
    }
  }
  return std::unique_ptr<compute::Service>(std::move(cloud.value()));
}

Result<std::unique_ptr<compute::Service>> OpenGceClient(const GceSetup& setup) {
  std::shared_ptr<gce::HttpTransport> transport = std::make_shared<gce::CurlTransport>();
  if (setup.log_http) transport = std::make_shared<gce::LoggingTransport>(transport, std::cerr);
  auto creds = gce::FindCredentials(gce::SourcesFromEnvironment(setup.access_token), transport);
  if (!creds.ok()) return creds.status();
  gce::GceClientOptions go;
  go.endpoint = setup.endpoint;
  go.transport = transport;
  go.credentials = *creds;
  return std::unique_ptr<compute::Service>(std::make_unique<gce::GceClient>(go));
}

GcloudDefaults ReadGcloudDefaults() {
  gce::GcloudProperties gp = gce::ReadGcloudProperties(gce::GcloudEnvironmentFromProcess());
  return {gp.project, gp.zone};
}

compute::Result<std::string> ReadImageFile(compute::Service& cloud, const std::string& project,
                                           const std::string& image, const std::string& path,
                                           size_t max_bytes) {
  auto* local = dynamic_cast<localcloud::LocalCloud*>(&cloud);
  if (!local) {
    return Status::Invalid(
        "reading an image's files without booting it works on the local cloud only: the "
        "Compute Engine API has no call for it");
  }
  return local->ReadImageFile(project, image, path, max_bytes);
}

Status ServeGuestMetadata(const std::string& home, const std::string& project,
                          const std::string& zone, const std::string& instance) {
  localcloud::LocalCloudOptions opts;
  opts.home = home;
  opts.recover = false;  // Only reads; never acts on VMs.
  auto cloud = localcloud::LocalCloud::Open(opts);
  if (!cloud.ok()) return cloud.status();
  (*cloud)->ServeMetadata(project, zone, instance);
  return Status::OK();
}

}  // namespace imago::cli
