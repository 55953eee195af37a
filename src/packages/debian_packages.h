// Debian package lists: what a disk image has installed (its dpkg status
// file) against what apt indexes offer, compared by Debian's version rules.
// The files are read and the versions compared by libapt-pkg, apt's own
// library, so that imago agrees with apt on every stanza and version.
#ifndef IMAGO_PACKAGES_DEBIAN_PACKAGES_H_
#define IMAGO_PACKAGES_DEBIAN_PACKAGES_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace imago::packages {

/// A package installed in an image.
struct Installed {
  std::string name;
  std::string arch;  // amd64, all, ...
  std::string version;
};

/// One Packages index: the newest version it offers per (name, arch).
struct Index {
  std::string name;       // Where it was read from, as given (a path or URL).
  bool security = false;  // A security archive's index (see IsSecurityIndex).
  std::map<std::pair<std::string, std::string>, std::string> newest;
};

/// A newer version of an installed package.
struct Update {
  std::string name;
  std::string arch;
  std::string installed;
  std::string available;  // The newest over every index.
  std::string index;      // The index that offers `available`.
  bool security = false;  // A security index offers a version newer than installed.
};

/// Compares two Debian versions (epoch:upstream-revision, `~` sorting
/// first) as apt does: negative, zero or positive.
int CompareVersions(const std::string& a, const std::string& b);

/// Reads the dpkg status file at `path`: the packages in state "installed"
/// (whatever their selection), sorted by name. 400 when the file cannot be
/// parsed or lists no installed package; 404 when it does not exist, 503
/// when it cannot be read.
base::Result<std::vector<Installed>> ReadDpkgStatus(const std::string& path);

/// Reads the Packages index at `path`, plain or compressed as apt's lists
/// are (.gz, .xz, .lz4, .zst, ...); `name` is what the user knows it by.
/// 400 when it holds no package stanza; 404 when it does not exist, 503
/// when it cannot be read.
base::Result<Index> ReadIndex(const std::string& path, const std::string& name, bool security);

/// True for an index of a security archive: Debian's layout puts them under
/// debian-security/ and suites named SUITE-security, so its name says so.
bool IsSecurityIndex(const std::string& name);

/// The Packages files of apt's lists on this machine (Dir::State::lists of
/// apt's configuration), sorted; empty when apt has none (run apt-get update).
std::vector<std::string> AptListIndexes();

/// Downloads the index at the http(s) `url` to the file `to` (at most 1 GiB,
/// 120 s). 503 naming the URL and why when it cannot be fetched (a refused
/// connection, a status other than 200).
base::Status DownloadIndex(const std::string& url, const std::string& to);

/// The installed packages that an index offers newer: security updates
/// first, then by name. A package offered as arch `all` matches an installed
/// `all` one; otherwise the architectures must be equal.
std::vector<Update> FindUpdates(const std::vector<Installed>& installed,
                                const std::vector<Index>& indexes);

}  // namespace imago::packages

#endif  // IMAGO_PACKAGES_DEBIAN_PACKAGES_H_
