// Fetching Debian packages for a disk image on the host, with apt itself:
// apt-get resolves what an image (given by its dpkg status file) needs to
// upgrade its packages and to install more, against this machine's apt
// sources or a sources file of the caller's, and downloads the .deb files.
// Builder VMs have no network; the host has the mirror.
#ifndef IMAGO_PACKAGES_APT_FETCH_H_
#define IMAGO_PACKAGES_APT_FETCH_H_

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace imago::packages {

/// Where apt works for one image.
struct AptSetup {
  std::string status;     // The image's dpkg status file (host path).
  std::string sources;    // An apt sources file (one-line or deb822); empty: this machine's.
  std::string state_dir;  // Private lists (with `sources`) and download cache; made if missing.
};

/// What to fetch: every installed package to its newest version (`upgrade`,
/// as apt-get dist-upgrade), and `install` (names, or NAME=VERSION) with
/// what they need.
struct AptRequest {
  bool upgrade = true;
  std::vector<std::string> install;
};

/// With `sources`: apt-get update of that file into the state directory
/// (without it, apt's own lists on this machine are used as they are).
/// 503 with apt's last line when it fails.
base::Status AptUpdate(const AptSetup& setup);

/// The packages apt would fetch for `request`, as (name, version), sorted:
/// a simulation (apt-get -s), nothing downloaded. 400 with apt's message
/// when it cannot be resolved (an unknown package, a conflict).
base::Result<std::vector<std::pair<std::string, std::string>>> AptPlan(const AptSetup& setup,
                                                                       const AptRequest& request);

/// Downloads the .deb files of AptPlan into `out_dir` (made if missing).
/// Returns their paths. 503 when a download fails.
base::Result<std::vector<std::string>> AptDownload(const AptSetup& setup, const AptRequest& request,
                                                   const std::string& out_dir);

}  // namespace imago::packages

#endif  // IMAGO_PACKAGES_APT_FETCH_H_
