#include "packages/apt_fetch.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "base/subprocess.h"

namespace imago::packages {
namespace {

using base::Result;
using base::Status;

// std::filesystem::create_directories, as a Status.
Status MakeDirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Status::Unavailable("cannot create " + path + ": " + ec.message());
  return Status::OK();
}

// apt-get with the image's status and the setup's private directories.
std::vector<std::string> AptGet(const AptSetup& s) {
  std::vector<std::string> argv = {
      "apt-get", "-q",
      "-o",      "Dir::State::status=" + s.status,
      "-o",      "Dir::Cache=" + s.state_dir + "/cache",
      "-o",      "Dir::Cache::archives=" + s.state_dir + "/archives",
      "-o",      "Dir::State::extended_states=" + s.state_dir + "/extended_states",
      "-o",      "Debug::NoLocking=1",
      "-o",      "APT::Sandbox::User=root",
      "-o",      "APT::Get::Assume-Yes=1",
      "-o",      "APT::Install-Recommends=0"};
  if (!s.sources.empty()) {
    for (const std::string& o :
         {"Dir::Etc::SourceList=" + s.sources, std::string("Dir::Etc::SourceParts=/dev/null"),
          "Dir::State::Lists=" + s.state_dir + "/lists"}) {
      argv.push_back("-o");
      argv.push_back(o);
    }
  }
  return argv;
}

// apt's error lines ("E: ...") of `text`, else its last `n` lines, joined.
std::string LastLines(const std::string& text, size_t n) {
  std::vector<std::string> lines, errors;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l.starts_with("E: ")) errors.push_back(l.substr(3));
    if (!l.empty()) lines.push_back(l);
  }
  if (!errors.empty()) lines = errors;
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) {
    if (!out.empty()) out += " | ";
    out += lines[i];
  }
  return out;
}

// Runs apt-get COMMAND for the request: dist-upgrade and/or install.
Result<std::string> Run(const AptSetup& s, const AptRequest& r, const std::string& mode) {
  IMAGO_RETURN_IF_ERROR(MakeDirs(s.state_dir + "/archives/partial"));
  IMAGO_RETURN_IF_ERROR(MakeDirs(s.state_dir + "/cache"));
  std::string out;
  std::vector<std::vector<std::string>> commands;
  if (r.upgrade) commands.push_back({"dist-upgrade"});
  if (!r.install.empty()) {
    std::vector<std::string> c = {"install"};
    c.insert(c.end(), r.install.begin(), r.install.end());
    commands.push_back(c);
  }
  for (const auto& c : commands) {
    std::vector<std::string> argv = AptGet(s);
    argv.push_back(mode);
    argv.insert(argv.end(), c.begin(), c.end());
    auto run = base::RunProcess(argv);
    if (!run.ok()) return run.status();
    if (run->exit_code != 0) {
      return Status::Invalid("apt-get " + c[0] +
                             " for the image failed: " + LastLines(run->err + run->out, 2));
    }
    out += run->out;
  }
  return out;
}

}  // namespace

Status AptUpdate(const AptSetup& s) {
  if (s.sources.empty()) return Status::OK();
  IMAGO_RETURN_IF_ERROR(MakeDirs(s.state_dir + "/lists/partial"));
  IMAGO_RETURN_IF_ERROR(MakeDirs(s.state_dir + "/cache"));
  std::vector<std::string> argv = AptGet(s);
  argv.push_back("update");
  auto run = base::RunProcess(argv);
  if (!run.ok()) return run.status();
  // apt-get update exits 0 on some failed fetches; "W:"/"E:" lines tell.
  std::string all = run->err + run->out;
  if (run->exit_code != 0 || all.find("\nE: ") != std::string::npos || all.starts_with("E: ") ||
      all.find("Failed to fetch") != std::string::npos) {
    return Status::Unavailable("apt-get update of " + s.sources + " failed: " + LastLines(all, 2));
  }
  return Status::OK();
}

Result<std::vector<std::pair<std::string, std::string>>> AptPlan(const AptSetup& s,
                                                                 const AptRequest& r) {
  auto out = Run(s, r, "-s");
  if (!out.ok()) return out.status();
  // "Inst NAME [OLD] (NEW ARCHIVE [ARCH])" or "Inst NAME (NEW ARCHIVE [ARCH])".
  std::set<std::pair<std::string, std::string>> plan;
  std::istringstream in(*out);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("Inst ")) continue;
    std::istringstream f(line.substr(5));
    std::string name, tok;
    f >> name >> tok;
    if (tok.starts_with("[")) f >> tok;
    if (tok.starts_with("(")) plan.insert({name, tok.substr(1)});
  }
  return std::vector<std::pair<std::string, std::string>>(plan.begin(), plan.end());
}

Result<std::vector<std::string>> AptDownload(const AptSetup& s, const AptRequest& r,
                                             const std::string& out_dir) {
  // What apt would fetch, as "'URI' FILE SIZE HASH" lines; then the download
  // (apt leaves file: URIs where they are, so those are copied).
  auto uris = Run(s, r, "--print-uris");
  if (!uris.ok()) return uris.status();
  auto out = Run(s, r, "--download-only");
  if (!out.ok()) return Status::Unavailable(out.status().message());
  IMAGO_RETURN_IF_ERROR(MakeDirs(out_dir));
  const std::string archives = s.state_dir + "/archives";
  std::set<std::string> seen;
  std::vector<std::string> files;
  std::istringstream in(*uris);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("'")) continue;
    size_t end = line.find('\'', 1);
    if (end == std::string::npos) continue;
    std::string uri = line.substr(1, end - 1);
    std::istringstream rest(line.substr(end + 1));
    std::string file;
    rest >> file;
    if (file.empty() || !file.ends_with(".deb") || !seen.insert(file).second) continue;
    std::string to = out_dir + "/" + file;
    std::string from = archives + "/" + file;
    if (rename(from.c_str(), to.c_str()) == 0) {
      files.push_back(to);
      continue;
    }
    if (uri.starts_with("file:")) {
      std::string path = uri.substr(5);
      while (path.starts_with("//")) path.erase(0, 1);
      auto cp = base::RunProcess({"cp", path, to});
      if (cp.ok() && cp->exit_code == 0) {
        files.push_back(to);
        continue;
      }
    }
    return Status::Unavailable("apt did not fetch " + file + " (" + uri + ")");
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace imago::packages
