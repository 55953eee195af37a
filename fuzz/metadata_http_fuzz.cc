// libFuzzer target: the metadata server's request parser and its answers,
// the one parser a guest feeds. Any bytes give a request or a refusal; a
// request is answered without crashing, for an instance with metadata.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "localcloud/metadata_http.h"
#include "localcloud/metadata_server.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const imago::compute::Instance kInstance = [] {
    imago::compute::Instance in;
    in.id = 1234567890123456789ULL;
    in.name = "web-1";
    in.zone = "https://www.googleapis.com/compute/v1/projects/p/zones/local-a";
    in.machine_type = "zones/local-a/machineTypes/e2-micro";
    in.metadata.items = {{"startup-script", "#!/bin/sh\necho hi\n"}, {"env", "dev"}};
    return in;
  }();
  std::string head(reinterpret_cast<const char*>(data), size);
  imago::localcloud::MetadataRequest req;
  if (!imago::localcloud::ParseRequestHead(head, &req)) return 0;
  auto resp = imago::localcloud::AnswerMetadata(req, kInstance, "p");
  if (resp.status < 200 || resp.status > 599) abort();
  std::string decoded;
  (void)imago::localcloud::UrlDecode(req.path, &decoded);
  return 0;
}
