#include "lifecycle/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace imago::lifecycle {

using compute::Status;

std::string WhoAmI() {
  const char* user = getenv("USER");
  if (!user || !*user) user = getenv("LOGNAME");
  if (!user || !*user) {
    if (const passwd* pw = getpwuid(geteuid())) user = pw->pw_name;
  }
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  return std::string(user && *user ? user : "unknown") + "@" + host;
}

Status AuditLog::Record(const std::string& project, const Change& c, compute::TimeUs when,
                        const std::string& who) {
  nlohmann::json j = {{"time", compute::FormatRfc3339(when)},
                      {"project", project},
                      {"image", c.image},
                      {"family", c.family},
                      {"from", c.from},
                      {"to", c.to},
                      {"reason", c.reason},
                      {"who", who}};
  if (!c.purge_on.empty()) j["purgeOn"] = c.purge_on;
  std::string line = j.dump() + "\n";
  int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot open " + path_ + ": " + strerror(errno));
  ssize_t n = write(fd, line.data(), line.size());
  int e = errno;
  fdatasync(fd);
  close(fd);
  if (n != static_cast<ssize_t>(line.size())) {
    return Status::Unavailable("cannot append to " + path_ + ": " + strerror(e));
  }
  return Status::OK();
}

compute::Result<std::vector<nlohmann::json>> AuditLog::Read(
    const std::optional<std::string>& family) const {
  std::vector<nlohmann::json> out;
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;  // A torn last line after a crash is skipped.
    if (family && j.value("family", "") != *family) continue;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace imago::lifecycle
