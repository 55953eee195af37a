// The flags that describe a VM, shared by `imago instances create` and
// `imago instance-templates create` (as gcloud shares them): image or
// family, machine type, metadata, labels, forwarded ports, boot disk.
#ifndef IMAGO_CLI_INSTANCE_FLAGS_H_
#define IMAGO_CLI_INSTANCE_FLAGS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cli/context.h"
#include "compute/status.h"
#include "compute/vm_types.h"

namespace imago::cli {

struct InstanceFlags {
  std::string image, image_family, image_project, machine_type, metadata, metadata_from_file,
      labels, ports, description, tags;
  std::string boot_disk_size;  // gcloud's size forms: 10, 10GB, 1TB.
  bool keep_boot_disk = false;
};

/// Reads `text`, KEY=PATH pairs of `flag`, into metadata items: each
/// file's content is the value. 400 naming the flag for a file that cannot
/// be read.
compute::Status AddMetadataFromFiles(const std::string& flag, const std::string& text,
                                     std::vector<std::pair<std::string, std::string>>* items);
/// Sets `key` in items, replacing an earlier value.
void SetItem(std::vector<std::pair<std::string, std::string>>* items, const std::string& key,
             const std::string& value);

/// Adds --image, --image-family (with `family_help`), --image-project,
/// --machine-type, --metadata, --metadata-from-file, --labels, --ports,
/// --boot-disk-size, --keep-boot-disk, --tags and --description to `c`.
void AddInstanceFlags(CLI::App* c, InstanceFlags* f, const char* family_help);

/// The instance the flags describe (no name): a boot disk from the image or
/// family, metadata with the files read now. 400 `required` when not
/// exactly one of --image and --image-family is given; 400 naming the flag
/// for a malformed value or a file that cannot be read.
compute::Result<compute::Instance> InstanceFromFlags(const InstanceFlags& f);

}  // namespace imago::cli

#endif  // IMAGO_CLI_INSTANCE_FLAGS_H_
