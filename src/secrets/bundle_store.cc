#include "secrets/bundle_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/file_util.h"

namespace imago::secrets {

using base::Result;
using base::Status;
using Json = nlohmann::ordered_json;

namespace {

// A project or bundle name can only be a path segment.
bool Segment(const std::string& s) {
  if (s.empty() || s.size() > 63 || s[0] == '.') return false;
  for (char c : s) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

Status MakePrivateDir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Unavailable("cannot create " + dir + ": " + strerror(errno));
  }
  chmod(dir.c_str(), 0700);
  return Status::OK();
}

}  // namespace

BundleStore::BundleStore(const std::string& home) : dir_(home + "/secrets") {}

Status BundleStore::Put(const std::string& project, const std::string& name, const Values& values) {
  if (!Segment(project) || !Segment(name)) {
    return Status::Invalid("not a secret bundle's name: " + project + "/" + name);
  }
  IMAGO_RETURN_IF_ERROR(MakePrivateDir(dir_));
  IMAGO_RETURN_IF_ERROR(MakePrivateDir(dir_ + "/" + project));
  Json j = Json::object();
  for (const auto& [k, v] : values) j[k] = v;
  return base::WriteFileAtomic(dir_ + "/" + project + "/" + name + ".json", j.dump(), 0600);
}

Result<Values> BundleStore::Get(const std::string& project, const std::string& name) const {
  if (!Segment(project) || !Segment(name)) {
    return Status::NotFound("no secret bundle " + project + "/" + name);
  }
  auto text = base::ReadFile(dir_ + "/" + project + "/" + name + ".json");
  if (!text.ok()) {
    if (text.status().code() == base::Code::kNotFound) {
      return Status::NotFound("no secret bundle " + project + "/" + name);
    }
    return text.status();
  }
  Json j = Json::parse(*text, nullptr, false);
  if (!j.is_object()) return Status::Internal("the secret bundle " + name + " is damaged");
  Values out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it->is_string()) out.emplace_back(it.key(), it->get<std::string>());
  }
  return out;
}

Status BundleStore::Remove(const std::string& project, const std::string& name) {
  if (!Segment(project) || !Segment(name)) return Status::OK();
  std::string path = dir_ + "/" + project + "/" + name + ".json";
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::Unavailable("cannot delete " + path + ": " + strerror(errno));
  }
  return Status::OK();
}

int64_t BundleStore::WrittenAt(const std::string& project, const std::string& name) const {
  if (!Segment(project) || !Segment(name)) return 0;
  struct stat st;
  if (stat((dir_ + "/" + project + "/" + name + ".json").c_str(), &st) != 0) return 0;
  return st.st_mtime;
}

std::vector<std::string> BundleStore::List(const std::string& project) const {
  std::vector<std::string> out;
  if (!Segment(project)) return out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_ + "/" + project, ec)) {
    std::string f = e.path().filename().string();
    if (f.ends_with(".json")) out.push_back(f.substr(0, f.size() - 5));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace imago::secrets
