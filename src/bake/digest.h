// The build digest: a SHA-256 over every input of a bake, so that a bake
// whose inputs have not changed can be skipped (the family already has an
// image with that digest). Inputs: the source image's id, the canonical spec,
// and the content (with paths and modes) of every file a provisioner reads:
// shell scripts, file sources (whole trees), the Ansible playbook's whole
// directory tree and roles path, apt sources files; and for each apt
// provisioner, the packages and versions apt resolved for the source image
// (the index state the bake saw: a changed archive makes a new digest only
// when it changes what the image would get). .git directories are left out.
#ifndef IMAGO_BAKE_DIGEST_H_
#define IMAGO_BAKE_DIGEST_H_

#include <string>
#include <vector>

#include "bake/spec.h"
#include "compute/status.h"

namespace imago::bake {

/// Lower-case hex SHA-256 of the bake's inputs. 400 naming the file when a
/// file cannot be read.
/// `apt_plans`: one text per apt provisioner, in order ("NAME VERSION" lines).
compute::Result<std::string> BuildDigest(const BakeSpec& spec, const std::string& source_image_id,
                                         const std::vector<std::string>& apt_plans = {});

/// Hashes a file or a directory tree into `out` (hex SHA-256). Exposed for tests.
compute::Result<std::string> TreeDigest(const std::string& path);

}  // namespace imago::bake

#endif  // IMAGO_BAKE_DIGEST_H_
