// The inputs of each bake that made an image, one by one with their digests
// (DigestPart), kept in IMAGO_HOME/bake-inputs/DIGEST40.json, where DIGEST40
// is the image's build digest label. A later cache miss is explained by
// comparing its inputs with those of the family's last bake: which file
// tree, setting or source image changed (bake --dry-run).
#ifndef IMAGO_BAKE_BAKE_INPUTS_H_
#define IMAGO_BAKE_BAKE_INPUTS_H_

#include <string>
#include <vector>

#include "bake/digest.h"
#include "compute/status.h"

namespace imago::bake {

/// Writes the record of a bake whose build digest is `digest` (atomically;
/// a rewrite of the same digest replaces it). 503 when it cannot be written.
compute::Status SaveBakeInputs(const std::string& home, const std::string& digest,
                               const std::string& image, const std::vector<DigestPart>& parts);

/// The parts recorded for the image labelled `digest40`; 404 when no bake
/// recorded them (an image baked before records were kept, or imported),
/// 400 when the file is not a record.
compute::Result<std::vector<DigestPart>> LoadBakeInputs(const std::string& home,
                                                        const std::string& digest40);

/// What differs from `before` (the recorded bake) to `now`, one phrase per
/// input: "source image: kit-v1 -> kit-v2", "provisioner 2 (...): playbook
/// directory changed", "... (new)", "... (gone)". Empty when they agree.
std::vector<std::string> ChangedInputs(const std::vector<DigestPart>& before,
                                       const std::vector<DigestPart>& now);

}  // namespace imago::bake

#endif  // IMAGO_BAKE_BAKE_INPUTS_H_
