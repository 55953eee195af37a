#include "bake/manifest.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "bake/baker.h"
#include "base/file_util.h"

namespace imago::bake {

using compute::Status;
using nlohmann::json;

Status WriteManifest(const std::string& path, const BakeResult& r, const std::string& run_uuid,
                     int64_t build_time) {
  json m = json::object();
  auto text = base::ReadFile(path);
  if (text.ok()) {
    m = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!m.is_object()) {
      return Status::Invalid("manifest " + path + " exists and is not a Packer manifest");
    }
  }
  if (!m.contains("builds") || !m["builds"].is_array()) m["builds"] = json::array();
  m["builds"].push_back({{"name", r.family},
                         {"builder_type", "imago"},
                         {"build_time", build_time},
                         {"files", nullptr},
                         {"artifact_id", r.image},
                         {"packer_run_uuid", run_uuid},
                         {"custom_data",
                          {{"image_id", r.image_id},
                           {"family", r.family},
                           {"source_image", r.source_image},
                           {"source_image_id", r.source_image_id},
                           {"build_digest", r.digest},
                           {"cached", r.cached ? "true" : "false"},
                           {"spec", r.spec}}}});
  m["last_run_uuid"] = run_uuid;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  return base::WriteFileAtomic(path, m.dump(2) + "\n");
}

}  // namespace imago::bake
