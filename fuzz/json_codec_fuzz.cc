// libFuzzer target: the JSON readers of every compute/v1 resource. Any input
// must give a value or a 400, never a crash; what reads back must write and
// read again to the same JSON (the codec loses nothing it accepted).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "compute/json_codec.h"
#include "compute/vm_codec.h"

namespace {

using imago::compute::Json;

template <typename T, typename Read>
void RoundTrip(const Json& j, Read read) {
  auto first = read(j);
  if (!first.ok()) {
    if (first.status().http_code() != 400) abort();  // Bad input is a 400, nothing else.
    return;
  }
  Json written = imago::compute::ToJson(*first);
  auto second = read(Json::parse(written.dump()));
  if (!second.ok()) abort();  // What we wrote, we must read.
  if (imago::compute::ToJson(*second) != written) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Json j = Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  using namespace imago::compute;
  RoundTrip<Image>(j, [](const Json& x) { return ImageFromJson(x); });
  RoundTrip<Disk>(j, [](const Json& x) { return DiskFromJson(x); });
  RoundTrip<Snapshot>(j, [](const Json& x) { return SnapshotFromJson(x); });
  RoundTrip<Instance>(j, [](const Json& x) { return InstanceFromJson(x); });
  RoundTrip<Metadata>(j, [](const Json& x) { return MetadataFromJson(x); });
  RoundTrip<AttachedDisk>(j, [](const Json& x) { return AttachedDiskFromJson(x); });
  auto d = DeprecationStatusFromJson(j);
  if (!d.ok() && d.status().http_code() != 400) abort();
  (void)OperationFromJson(j);
  (void)StatusFromErrorJson(400, j);
  return 0;
}
