// What the local cloud refuses rather than accept in silence: fields of the
// API whose acceptance would mislead (an encryption key it would not use, a
// GPU it does not have, a network it does not run). Every other field of
// the schema is stored and returned as sent (docs/serve.md lists both).
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_UNSUPPORTED_H_
#define IMAGO_LOCALCLOUD_UNSUPPORTED_H_

#include <initializer_list>
#include <string>

#include "compute/json_codec.h"
#include "compute/status.h"

namespace imago::localcloud {

/// A field the local cloud refuses, and what to do instead.
struct Unsupported {
  const char* field;
  const char* instead;
};

/// 400 naming the first of `fields` that `extra` (the unmodelled fields of
/// a resource at `where`) holds, saying the local cloud does not support it
/// and what to do instead. Empty values never get here: they are unset.
compute::Status RefuseUnsupported(const compute::Json& extra, const std::string& where,
                                  std::initializer_list<Unsupported> fields);

/// The customer-supplied encryption keys of images, disks and snapshots.
constexpr const char* kNoEncryption =
    "the local cloud does not encrypt disks with customer-supplied keys; leave it out";

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_UNSUPPORTED_H_
