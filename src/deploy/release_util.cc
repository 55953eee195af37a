#include "deploy/release_util.h"

#include <algorithm>
#include <chrono>
#include <sstream>

#include <fmt/format.h>

#include "base/base64.h"

namespace imago::deploy {

using compute::Result;
using compute::Status;
using lifecycle::Release;

std::string ReleaseName(const std::string& prefix, int n) {
  return fmt::format("{}-v{:03d}", prefix, n);
}

std::string ConfigKey(const Environment& env, int n) {
  return fmt::format("imago-config-{}-{}", env.Prefix(), n);
}

std::string PullConfig(const Environment& env) {
  std::string out;
  for (const auto& [k, v] : env.config) out += k + " " + base::Base64Encode(v) + "\n";
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> ParsePullConfig(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> items;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    size_t sp = line.find(' ');
    std::string value;
    if (sp == std::string::npos || !base::Base64Decode(line.substr(sp + 1), &value)) {
      return Status::Internal(fmt::format(
          "a kept configuration has a line that is not KEY BASE64: '{}'", line.substr(0, 40)));
    }
    items.emplace_back(line.substr(0, sp), std::move(value));
  }
  return items;
}

compute::HealthCheck HealthCheckFor(const Environment& env, const std::string& name) {
  compute::HealthCheck hc;
  hc.name = name;
  hc.description = "imago: health check of " + env.service + " in " + env.name;
  hc.type = env.health.protocol;
  hc.check_interval_sec = env.health.interval_sec;
  hc.timeout_sec = env.health.timeout_sec;
  hc.healthy_threshold = env.health.healthy_threshold;
  hc.unhealthy_threshold = env.health.unhealthy_threshold;
  if (hc.type == "HTTP") {
    hc.http = compute::HttpHealthCheck{};
    hc.http->port = env.health.port;
    hc.http->request_path = env.health.path;
    hc.http->response = env.health.response;
  } else {
    hc.tcp = compute::TcpHealthCheck{};
    hc.tcp->port = env.health.port;
    hc.tcp->response = env.health.response;
  }
  return hc;
}

const Release* Find(const std::vector<Release>& rs, int number) {
  for (const auto& r : rs) {
    if (r.number == number) return &r;
  }
  return nullptr;
}

const Release* Last(const std::vector<Release>& rs, const char* st) {
  for (auto it = rs.rbegin(); it != rs.rend(); ++it) {
    if (it->state == st) return &*it;
  }
  return nullptr;
}

int NextNumber(const std::vector<Release>& rs) {
  int n = 0;
  for (const auto& r : rs) n = std::max(n, r.number);
  return n + 1;
}

int64_t SteadyUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace imago::deploy
