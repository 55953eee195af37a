#include "packages/debian_packages.h"

#include <apt-pkg/configuration.h>
#include <apt-pkg/debversion.h>
#include <apt-pkg/error.h>
#include <apt-pkg/fileutl.h>
#include <apt-pkg/init.h>
#include <apt-pkg/tagfile.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>

namespace imago::packages {
namespace {

using base::Result;
using base::Status;

// apt's configuration, read once (compressors for FileFd, Dir::State::lists).
void InitApt() {
  static std::once_flag once;
  std::call_once(once, [] {
    pkgInitConfig(*_config);
    _error->Discard();  // A broken apt.conf.d file is apt's business, not ours.
  });
}

// The pending apt errors as one line, and cleared.
std::string AptErrors() {
  std::string out;
  while (!_error->empty()) {
    std::string m;
    _error->PopMessage(m);
    if (!out.empty()) out += "; ";
    out += m;
  }
  return out.empty() ? "unreadable" : out;
}

// Calls `each` for every stanza of the tag file at `path`. 404 when there
// is no such file, 503 when it cannot be opened, 400 when apt cannot parse it.
template <typename F>
Status ForEachStanza(const std::string& path, F each) {
  InitApt();
  if (access(path.c_str(), F_OK) != 0) return Status::NotFound(path + " does not exist");
  FileFd fd(path, FileFd::ReadOnly, FileFd::Extension);
  if (!fd.IsOpen() || fd.Failed()) return Status::Unavailable(path + ": " + AptErrors());
  pkgTagFile tags(&fd);
  pkgTagSection section;
  while (tags.Step(section)) each(section);
  if (_error->PendingError()) return Status::Invalid(path + " cannot be parsed: " + AptErrors());
  return Status::OK();
}

std::string Field(const pkgTagSection& s, const char* key) {
  return s.Find(key).to_string();
}

}  // namespace

int CompareVersions(const std::string& a, const std::string& b) {
  return debVS.CmpVersion(a, b);
}

Result<std::vector<Installed>> ReadDpkgStatus(const std::string& path) {
  std::vector<Installed> out;
  size_t stanzas = 0;
  Status st = ForEachStanza(path, [&](const pkgTagSection& s) {
    ++stanzas;
    // "Status: WANT FLAG STATE": installed whatever was wanted (install, hold).
    std::string status = Field(s, "Status");
    if (!status.ends_with(" installed")) return;
    Installed p{Field(s, "Package"), Field(s, "Architecture"), Field(s, "Version")};
    if (!p.name.empty() && !p.version.empty()) out.push_back(std::move(p));
  });
  if (!st.ok()) return st;
  if (out.empty()) {
    return Status::Invalid(path + (stanzas ? " lists no installed package"
                                           : " is not a dpkg status file (no package stanza)"));
  }
  std::sort(out.begin(), out.end(), [](const Installed& x, const Installed& y) {
    return std::tie(x.name, x.arch) < std::tie(y.name, y.arch);
  });
  return out;
}

Result<Index> ReadIndex(const std::string& path, const std::string& name, bool security) {
  Index index;
  index.name = name;
  index.security = security;
  Status st = ForEachStanza(path, [&](const pkgTagSection& s) {
    std::string pkg = Field(s, "Package");
    std::string version = Field(s, "Version");
    if (pkg.empty() || version.empty()) return;
    auto& v = index.newest[{pkg, Field(s, "Architecture")}];
    if (v.empty() || CompareVersions(version, v) > 0) v = version;
  });
  if (!st.ok()) return st;
  if (index.newest.empty()) {
    return Status::Invalid(name + " is not a Packages index (no package stanza with a version)");
  }
  return index;
}

bool IsSecurityIndex(const std::string& name) {
  return name.find("debian-security") != std::string::npos ||
         name.find("-security_") != std::string::npos ||
         name.find("-security/") != std::string::npos;
}

std::vector<std::string> AptListIndexes() {
  InitApt();
  std::string dir = _config->FindDir("Dir::State::lists");
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (struct dirent* e = readdir(d)) {
    std::string n = e->d_name;
    // NAME_Packages, or NAME_Packages.EXT when apt keeps its lists compressed.
    if (n.find("_Packages") == std::string::npos) continue;
    if (!n.ends_with("_Packages") && n.find("_Packages.") == std::string::npos) continue;
    out.push_back(dir + n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Status DownloadIndex(const std::string& url, const std::string& to) {
  std::unique_ptr<CURL, void (*)(CURL*)> c(curl_easy_init(), curl_easy_cleanup);
  if (!c) return Status::Internal("cannot start an HTTP client");
  std::unique_ptr<FILE, int (*)(FILE*)> out(fopen(to.c_str(), "wb"), fclose);
  if (!out) return Status::Unavailable("cannot write " + to + ": " + strerror(errno));
  curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, out.get());
  curl_easy_setopt(c.get(), CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt(c.get(), CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c.get(), CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(1) << 30);
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  CURLcode rc = curl_easy_perform(c.get());
  if (rc != CURLE_OK) {
    return Status::Unavailable("cannot fetch the index " + url + ": " + curl_easy_strerror(rc));
  }
  long code = 0;
  curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &code);
  if (code != 200) {
    return Status::Unavailable("cannot fetch the index " + url + ": HTTP " + std::to_string(code));
  }
  if (fflush(out.get()) != 0) return Status::Unavailable("cannot write " + to);
  return Status::OK();
}

std::vector<Update> FindUpdates(const std::vector<Installed>& installed,
                                const std::vector<Index>& indexes) {
  std::vector<Update> out;
  for (const auto& p : installed) {
    Update u{p.name, p.arch, p.version, p.version, "", false};
    for (const auto& index : indexes) {
      auto it = index.newest.find({p.name, p.arch});
      if (it == index.newest.end()) continue;
      if (CompareVersions(it->second, p.version) <= 0) continue;
      if (index.security) u.security = true;
      if (CompareVersions(it->second, u.available) > 0) {
        u.available = it->second;
        u.index = index.name;
      }
    }
    if (!u.index.empty()) out.push_back(std::move(u));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Update& x, const Update& y) { return x.security && !y.security; });
  return out;
}

}  // namespace imago::packages
