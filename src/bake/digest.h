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

/// One input of a bake with a digest of its own: comparing these with the
/// ones recorded for the family's last bake tells which input made a cache
/// miss (bake --dry-run). `what` names the input ("source image", "spec
/// settings", "provisioner 2 (ansible at app.yaml:9): playbook directory");
/// `detail` says it in words where it can (the source image's name).
struct DigestPart {
  std::string what;
  std::string digest;
  std::string detail;
};

/// The inputs of BuildDigest one by one (same arguments; `source_image`
/// is the source's name, for the detail). 400 as BuildDigest.
compute::Result<std::vector<DigestPart>> DigestParts(
    const BakeSpec& spec, const std::string& source_image_id, const std::string& source_image,
    const std::vector<std::string>& apt_plans = {});

/// Hashes a file or a directory tree into `out` (hex SHA-256). Exposed for tests.
compute::Result<std::string> TreeDigest(const std::string& path);

}  // namespace imago::bake

#endif  // IMAGO_BAKE_DIGEST_H_
