// The build digest: a SHA-256 over every input of a bake, so that a bake
// whose inputs have not changed can be skipped (the family already has an
// image with that digest). Inputs: the source image's id, the canonical spec,
// and the content (with paths and modes) of every file a provisioner reads:
// shell scripts, file sources (whole trees), the Ansible playbook's whole
// directory tree and roles path. .git directories are left out.
#ifndef IMAGO_BAKE_DIGEST_H_
#define IMAGO_BAKE_DIGEST_H_

#include <string>

#include "bake/spec.h"
#include "compute/status.h"

namespace imago::bake {

/// Lower-case hex SHA-256 of the bake's inputs. 400 naming the file when a
/// file cannot be read.
compute::Result<std::string> BuildDigest(const BakeSpec& spec, const std::string& source_image_id);

/// Hashes a file or a directory tree into `out` (hex SHA-256). Exposed for tests.
compute::Result<std::string> TreeDigest(const std::string& path);

}  // namespace imago::bake

#endif  // IMAGO_BAKE_DIGEST_H_
