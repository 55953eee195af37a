// libFuzzer target: the list filter language (AIP-160 forms and GCE's
// eq/ne regular expressions). Any text parses or gives a 400; a filter that
// parses evaluates on a resource without crashing.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "compute/filter.h"
#include "compute/json_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const imago::compute::Json kImage = imago::compute::Json::parse(R"({
    "kind": "compute#image", "id": "4511186341357318046", "name": "app-v3-20240501",
    "family": "app", "status": "READY", "labels": {"env": "prod", "tier": "web"},
    "creationTimestamp": "2024-05-01T09:12:33.123-07:00", "diskSizeGb": "10",
    "deprecated": {"state": "DEPRECATED", "replacement": "x"}})");
  std::string text(reinterpret_cast<const char*>(data), size);
  auto f = imago::compute::Filter::Parse(text, imago::compute::ImageFilterSchema());
  if (!f.ok()) {
    if (f.status().http_code() != 400) abort();
    return 0;
  }
  (void)f->Matches(kImage);
  (void)f->RequiredValue("family");
  return 0;
}
