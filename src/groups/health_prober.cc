#include "groups/health_prober.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <httplib.h>

namespace imago::groups {

namespace {

struct Target {
  std::string host;
  int port = 0;
};

Target Address(const compute::Instance& in, int port) {
  for (const auto& f : in.forwarded_ports) {
    if (f.guest_port == port) return {f.host_ip.empty() ? "127.0.0.1" : f.host_ip, f.host_port};
  }
  if (!in.network_interfaces.empty() && !in.network_interfaces[0].network_ip.empty()) {
    return {in.network_interfaces[0].network_ip, port};
  }
  return {};
}

}  // namespace

std::string HostAddress(const compute::Instance& instance, int port) {
  Target t = Address(instance, port);
  return t.host.empty() ? "" : t.host + ":" + std::to_string(t.port);
}

namespace {

// Connects within `timeout_ms`; -1 on failure.
int Connect(const Target& t, int timeout_ms) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(t.port));
  if (inet_pton(AF_INET, t.host.c_str(), &addr.sin_addr) != 1) return -1;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof err;
  if (poll(&p, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
      err != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool ProbeTcp(const compute::TcpHealthCheck& c, const Target& t, int timeout_ms) {
  int fd = Connect(t, timeout_ms);
  if (fd < 0) return false;
  bool ok = true;
  if (!c.request.empty()) {
    ok = send(fd, c.request.data(), c.request.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(c.request.size());
  }
  if (ok && !c.response.empty()) {
    std::string got;
    char buf[1024];
    while (got.size() < c.response.size()) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, timeout_ms) != 1) break;
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    ok = got.compare(0, c.response.size(), c.response) == 0;
  }
  close(fd);
  return ok;
}

bool ProbeHttp(const compute::HttpHealthCheck& c, const Target& t, int timeout_ms) {
  httplib::Client client(t.host, t.port);
  const time_t sec = timeout_ms / 1000;
  const time_t usec = (timeout_ms % 1000) * 1000;
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
  httplib::Headers headers;
  if (!c.host.empty()) headers.emplace("Host", c.host);
  auto res = client.Get(c.request_path.empty() ? "/" : c.request_path, headers);
  if (!res || res->status != 200) return false;
  if (c.response.empty()) return true;
  return res->body.substr(0, 1024).find(c.response) != std::string::npos;
}

}  // namespace

bool HostProber::Probe(const compute::HealthCheck& check, const compute::Instance& instance) {
  if (instance.status != "RUNNING") return false;
  const int timeout_ms = std::max(1, check.timeout_sec) * 1000;
  if (check.http) {
    Target t = Address(instance, check.http->port ? check.http->port : 80);
    return t.port > 0 && ProbeHttp(*check.http, t, timeout_ms);
  }
  if (check.tcp) {
    Target t = Address(instance, check.tcp->port ? check.tcp->port : 80);
    return t.port > 0 && ProbeTcp(*check.tcp, t, timeout_ms);
  }
  return false;
}

}  // namespace imago::groups
