// The checks an instance's description passes before anything is made from
// it: by instances.insert, and by instanceTemplates.insert for the instances
// a template will make. None of them reads the catalog.
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_INSTANCE_CHECKS_H_
#define IMAGO_LOCALCLOUD_INSTANCE_CHECKS_H_

#include <string>

#include "compute/status.h"
#include "compute/vm_types.h"

namespace imago::localcloud {

/// GCE's rules on metadata: keys of [a-zA-Z0-9-_] below 128 characters,
/// each once, UTF-8 values of at most 256 KiB, 512 KiB in all.
compute::Status ValidateMetadata(const compute::Metadata& m);

/// What the local cloud cannot do with an instance (see unsupported.h):
/// accelerators, encryption keys, more than one network interface, a
/// network other than `default`, local SSDs, read-only disks. `where`
/// prefixes the field named in the 400 ("instance",
/// "instanceTemplate.properties").
compute::Status CheckSupported(const compute::Instance& in, const std::string& where);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_INSTANCE_CHECKS_H_
