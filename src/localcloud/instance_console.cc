// LocalInstances' guest side: the serial console a guest writes and the
// metadata server it asks.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "localcloud/local_instances.h"
#include "localcloud/local_projects.h"
#include "localcloud/metadata_server.h"
#include "secrets/bundle_store.h"

namespace imago::localcloud {

using compute::Result;
using compute::Status;

namespace {

std::string ReadFileFrom(const std::string& path, int64_t start, int64_t max, int64_t* size) {
  *size = 0;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  struct stat st;
  fstat(fd, &st);
  *size = st.st_size;
  std::string out;
  if (start < st.st_size) {
    out.resize(static_cast<size_t>(std::min<int64_t>(max, st.st_size - start)));
    ssize_t n = pread(fd, out.data(), out.size(), start);
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  close(fd);
  return out;
}

}  // namespace

Result<compute::SerialPortOutput> LocalInstances::GetSerialPortOutput(const std::string& project,
                                                                      const std::string& zone,
                                                                      const std::string& instance,
                                                                      int port, int64_t start) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  if (port != 1) {
    return Status::InvalidField("port", std::to_string(port),
                                "The local cloud records serial port 1 only.");
  }
  uint64_t id = 0;
  {
    std::lock_guard lock(s_.mu());
    auto r = s_.LoadRow(kInstanceKind, "instances", project, zone, instance);
    if (!r.ok()) return r.status();
    id = r->id;
  }
  constexpr int64_t kMax = 1 << 20;  // GCE returns at most 1 MiB per call.
  int64_t size = 0;
  compute::SerialPortOutput out;
  std::string path = s_.RunDir(id) + "/serial.log";
  ReadFileFrom(path, 0, 0, &size);
  if (start < 0) start = std::max<int64_t>(0, size + start);
  if (start < size - kMax) start = size - kMax;  // Older output has rolled off, as in GCE.
  out.contents = ReadFileFrom(path, start, kMax, &size);
  out.start = start;
  out.next = start + static_cast<int64_t>(out.contents.size());
  return out;
}

void LocalInstances::ServeMetadata(const std::string& project, const std::string& zone,
                                   const std::string& instance) {
  secrets::BundleStore bundles(s_.home());
  // The guest's view: its metadata, and the secrets of the bundle it names
  // (docs/secrets.md), which the API never shows.
  auto load = [&]() -> Result<compute::Instance> {
    auto in = Get(project, zone, instance);
    if (!in.ok()) return in;
    std::string bundle;
    for (const auto& [k, v] : in->metadata.items) {
      if (k == secrets::kBundleKey) bundle = v;
    }
    if (bundle.empty()) return in;
    auto values = bundles.Get(project, bundle);
    if (!values.ok()) return in;  // Its names then answer 404, as unknown keys do.
    for (const auto& [name, value] : *values) {
      bool taken = false;
      for (const auto& [k, v] : in->metadata.items) taken = taken || k == name;
      if (!taken) in->metadata.items.emplace_back(name, value);
    }
    return in;
  };
  ServeMetadataConnection(0, 1, load, project,
                          [&]() { return LocalProjects::CommonMetadata(s_, project); });
}

}  // namespace imago::localcloud
