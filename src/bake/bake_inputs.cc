#include "bake/bake_inputs.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "base/file_util.h"

namespace imago::bake {

using compute::Result;
using compute::Status;
using nlohmann::json;

namespace {

std::string RecordPath(const std::string& home, const std::string& digest40) {
  return home + "/bake-inputs/" + digest40 + ".json";
}

bool IsHexDigest(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

}  // namespace

Status SaveBakeInputs(const std::string& home, const std::string& digest, const std::string& image,
                      const std::vector<DigestPart>& parts) {
  const std::string d40 = digest.substr(0, 40);
  if (!IsHexDigest(d40)) return Status::Internal("not a build digest: " + digest);
  const std::string dir = home + "/bake-inputs";
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::Unavailable("cannot create " + dir + ": " + strerror(errno));
  }
  json j = {{"digest", digest}, {"image", image}, {"inputs", json::array()}};
  for (const auto& p : parts) {
    j["inputs"].push_back({{"what", p.what}, {"digest", p.digest}, {"detail", p.detail}});
  }
  return base::WriteFileAtomic(RecordPath(home, d40), j.dump(2) + "\n");
}

Result<std::vector<DigestPart>> LoadBakeInputs(const std::string& home,
                                               const std::string& digest40) {
  if (!IsHexDigest(digest40)) return Status::NotFound("no record for digest " + digest40);
  const std::string path = RecordPath(home, digest40);
  auto text = base::ReadFile(path);
  if (!text.ok()) return Status::NotFound("no record of the inputs of digest " + digest40);
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object() || !j["inputs"].is_array()) {
    return Status::Invalid(path + " is not a record of a bake's inputs");
  }
  std::vector<DigestPart> parts;
  for (const auto& p : j["inputs"]) {
    if (!p.is_object()) return Status::Invalid(path + " is not a record of a bake's inputs");
    parts.push_back({p.value("what", ""), p.value("digest", ""), p.value("detail", "")});
  }
  return parts;
}

std::vector<std::string> ChangedInputs(const std::vector<DigestPart>& before,
                                       const std::vector<DigestPart>& now) {
  std::vector<std::string> out;
  auto find = [](const std::vector<DigestPart>& in, const std::string& what) -> const DigestPart* {
    for (const auto& p : in) {
      if (p.what == what) return &p;
    }
    return nullptr;
  };
  for (const auto& p : now) {
    const DigestPart* b = find(before, p.what);
    if (!b) {
      out.push_back(p.what + " (new)");
    } else if (b->digest != p.digest) {
      if (p.what == "source image" && !b->detail.empty() && b->detail != p.detail) {
        out.push_back("source image: " + b->detail + " -> " + p.detail);
      } else {
        out.push_back(p.what + " changed");
      }
    }
  }
  for (const auto& b : before) {
    if (!find(now, b.what)) out.push_back(b.what + " (gone)");
  }
  return out;
}

}  // namespace imago::bake
