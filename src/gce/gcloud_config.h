// The project and zone a gcloud user has chosen: read from the active
// named configuration ($CLOUDSDK_CONFIG or ~/.config/gcloud), the way gcloud
// itself resolves them, so that `imago --cloud gce` works where `gcloud
// compute` does without repeating --project and --zone.
#ifndef IMAGO_GCE_GCLOUD_CONFIG_H_
#define IMAGO_GCE_GCLOUD_CONFIG_H_

#include <string>

namespace imago::gce {

/// Where gcloud keeps its configurations, and which one is active.
struct GcloudEnvironment {
  std::string config_dir;        // $CLOUDSDK_CONFIG, else $HOME/.config/gcloud.
  std::string active_config;     // $CLOUDSDK_ACTIVE_CONFIG_NAME; empty: read active_config.
  std::string project_override;  // $CLOUDSDK_CORE_PROJECT.
  std::string zone_override;     // $CLOUDSDK_COMPUTE_ZONE.
};

/// Reads the GcloudEnvironment from this process's environment.
GcloudEnvironment GcloudEnvironmentFromProcess();

/// The properties that matter to imago, with where each came from.
struct GcloudProperties {
  std::string project;         // core/project; empty when not set anywhere.
  std::string zone;            // compute/zone; empty when not set anywhere.
  std::string config_name;     // The active configuration's name ("default").
  std::string project_source;  // "CLOUDSDK_CORE_PROJECT", "gcloud configuration 'default'".
  std::string zone_source;
};

/// Resolves core/project and compute/zone: the CLOUDSDK_* variables first,
/// then the active configuration's file (configurations/config_NAME, an INI
/// file with [core] and [compute] sections). A missing directory or file
/// leaves the property empty; it is never an error (gcloud may simply not be
/// installed).
GcloudProperties ReadGcloudProperties(const GcloudEnvironment& env);

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCLOUD_CONFIG_H_
