// JSON codec of the VM resources (vm_types.h): the compute/v1 field names,
// int64 as strings, strict readers that name the field they refuse.
#ifndef IMAGO_COMPUTE_VM_CODEC_H_
#define IMAGO_COMPUTE_VM_CODEC_H_

#include <string_view>

#include "compute/json_codec.h"
#include "compute/vm_types.h"

namespace imago::compute {

Json ToJson(const Disk& d);
Json ToJson(const Snapshot& s);
Json ToJson(const AttachedDisk& d);
Json ToJson(const Metadata& m);
Json ToJson(const Instance& i);
Json ToJson(const SerialPortOutput& s);

/// Readers of request bodies (and of stored rows). Output-only fields are
/// read too; the callers that create resources ignore them.
Result<Disk> DiskFromJson(const Json& j, std::string_view where = "disk");
Result<Snapshot> SnapshotFromJson(const Json& j, std::string_view where = "snapshot");
Result<AttachedDisk> AttachedDiskFromJson(const Json& j, std::string_view where = "attachedDisk");
Result<Metadata> MetadataFromJson(const Json& j, std::string_view where = "metadata");
Result<Instance> InstanceFromJson(const Json& j, std::string_view where = "instance");
Result<SerialPortOutput> SerialPortOutputFromJson(const Json& j);

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_VM_CODEC_H_
