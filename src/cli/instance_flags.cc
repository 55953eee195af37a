#include "cli/instance_flags.h"

#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "compute/names.h"

namespace imago::cli {

using compute::Status;

// Reads KEY=PATH pairs into metadata items.
Status AddMetadataFromFiles(const std::string& flag, const std::string& text,
                            std::vector<std::pair<std::string, std::string>>* items) {
  auto pairs = ParseKeyValues(flag, text);
  if (!pairs.ok()) return pairs.status();
  for (const auto& [key, path] : *pairs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return Status::InvalidField(flag, key + "=" + path, "Cannot read the file " + path + ".");
    }
    std::stringstream ss;
    ss << in.rdbuf();
    items->emplace_back(key, ss.str());
  }
  return Status::OK();
}

// Sets `key` in items, replacing an earlier value.
void SetItem(std::vector<std::pair<std::string, std::string>>* items, const std::string& key,
             const std::string& value) {
  for (auto& [k, v] : *items) {
    if (k == key) {
      v = value;
      return;
    }
  }
  items->emplace_back(key, value);
}
void AddInstanceFlags(CLI::App* c, InstanceFlags* f, const char* family_help) {
  c->add_option("--image", f->image, "Boot image: a name or a URL");
  c->add_option("--image-family", f->image_family, family_help);
  c->add_option("--image-project", f->image_project, "Project of the image");
  c->add_option("--machine-type", f->machine_type,
                "e2-micro (default), e2-small, e2-medium, ... or custom-CPUS-MEMORY_MB");
  c->add_option("--metadata", f->metadata, "KEY=VALUE,... for the metadata server");
  c->add_option("--metadata-from-file", f->metadata_from_file,
                "KEY=PATH,... e.g. startup-script=boot.sh");
  c->add_option("--labels", f->labels, "KEY=VALUE,...");
  c->add_option("--ports", f->ports,
                "Guest TCP ports to forward to 127.0.0.1: GUEST (a free host port) or "
                "HOST:GUEST, comma-separated");
  c->add_option("--boot-disk-size", f->boot_disk_size,
                "Boot disk size: 10 or 10GB, 1TB, 2048MB (whole GB; default: the image's)");
  c->add_option("--tags", f->tags, "Network tags: TAG,... (kept on the instance, as GCE)");
  c->add_flag("--keep-boot-disk", f->keep_boot_disk,
              "Keep the boot disk when the instance is deleted (autoDelete off)");
  c->add_option("--description", f->description, "Description");
}

compute::Result<compute::Instance> InstanceFromFlags(const InstanceFlags& f) {
  if (f.image.empty() == f.image_family.empty()) {
    return Status::Required("give exactly one of --image and --image-family");
  }
  compute::Instance in;
  in.description = f.description;
  in.machine_type = f.machine_type;
  auto labels = ParseKeyValues("--labels", f.labels);
  if (!labels.ok()) return labels.status();
  in.labels = *labels;
  auto md = ParseKeyValues("--metadata", f.metadata);
  if (!md.ok()) return md.status();
  for (const auto& [k, v] : *md) in.metadata.items.emplace_back(k, v);
  IMAGO_RETURN_IF_ERROR(
      AddMetadataFromFiles("--metadata-from-file", f.metadata_from_file, &in.metadata.items));
  if (!f.ports.empty()) SetItem(&in.metadata.items, "imago-ports", f.ports);
  if (!f.tags.empty()) {
    std::vector<std::string> tags = SplitFlagList(f.tags);
    for (const auto& t : tags) IMAGO_RETURN_IF_ERROR(compute::ValidateName("--tags", t));
    in.extra["tags"] = {{"items", tags}};
  }
  std::string project = f.image_project.empty() ? "" : "projects/" + f.image_project + "/";
  compute::AttachedDisk boot;
  boot.boot = true;
  boot.auto_delete = !f.keep_boot_disk;
  compute::InitializeParams params;
  params.source_image = f.image.empty() ? project + "global/images/family/" + f.image_family
                        : f.image.find('/') == std::string::npos
                            ? project + "global/images/" + f.image
                            : f.image;
  if (!f.boot_disk_size.empty()) {
    auto gb = ParseSizeGb("--boot-disk-size", f.boot_disk_size);
    if (!gb.ok()) return gb.status();
    params.disk_size_gb = *gb;
  }
  boot.initialize_params = params;
  in.disks.push_back(boot);
  return in;
}

}  // namespace imago::cli
