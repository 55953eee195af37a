#include "lb/haproxy.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "base/file_util.h"
#include "base/subprocess.h"

namespace imago::lb {

using compute::Result;
using compute::Status;

namespace {

constexpr const char* kHeader =
    "# Written by imago (src/lb/haproxy.cc): changes are overwritten.\n";

// The HAProxy executable, or "" when it is not installed.
std::string HaproxyBinary() {
  for (const char* p : {"/usr/sbin/haproxy", "/usr/local/sbin/haproxy", "/usr/bin/haproxy"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "";
}

std::string Hex(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += fmt::format("{:02x}", c);
  return out;
}

// A request path as HAProxy's configuration may carry it: what is not
// plainly part of a URL is percent-encoded (no space, quote or '#' gets in).
std::string SafePath(const std::string& path) {
  std::string out;
  for (unsigned char c : path) {
    if (isalnum(c) || strchr("-._~/?=&%:@+,;!*", c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out.empty() ? "/" : out;
}

bool SafeToken(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!isalnum(c) && !strchr("-._:", c)) return false;
  }
  return true;
}

void RenderCheck(std::ostringstream& o, const compute::HealthCheck& c) {
  if (c.http) {
    o << "  option httpchk\n";
    o << "  http-check send meth GET uri " << SafePath(c.http->request_path);
    if (SafeToken(c.http->host)) o << " ver HTTP/1.1 hdr Host " << c.http->host;
    o << "\n  http-check expect status 200\n";
  } else {
    o << "  option tcp-check\n  tcp-check connect\n";
    if (c.tcp && !c.tcp->request.empty())
      o << "  tcp-check send-binary " << Hex(c.tcp->request) << "\n";
    if (c.tcp && !c.tcp->response.empty()) {
      o << "  tcp-check expect binary " << Hex(c.tcp->response) << "\n";
    }
  }
}

// `known`: the servers to write (those the running proxy has, whose states
// the new worker reads from the state file); null: none.
std::string Render(const ProxyConfig& want, const std::string& dir, const ProxyState* known) {
  std::ostringstream o;
  o << kHeader;
  o << "global\n"
    << "  master-worker\n"
    << "  pidfile " << dir << "/haproxy.pid\n"
    << "  stats socket " << dir << "/admin.sock mode 600 level admin expose-fd listeners\n"
    << "  server-state-file " << dir << "/servers.state\n"
    << "  hard-stop-after 3700s\n\n";
  o << "defaults\n"
    << "  mode http\n"
    << "  load-server-state-from-file global\n"
    << "  balance roundrobin\n"
    << "  retries 3\n"
    << "  option redispatch 1\n"
    << "  retry-on conn-failure empty-response\n"
    // A connection to a VM's forwarded port is made by the host's kernel
    // at once, or its SYN was dropped because QEMU's listening socket (a
    // backlog of one) was full, and the kernel tries again only after 1 s,
    // then 3 s: a request that lost two SYNs took 3 s (tests/vm/lb_test.sh
    // in CI: one wrk timeout in 5,179 requests; the kernel's
    // ListenOverflows counted the drops). Giving up after 250 ms sends the
    // request to another server instead (retries, redispatch).
    << "  timeout connect 250ms\n"
    << "  timeout client 60s\n"
    << "  timeout http-request 30s\n"
    << "  timeout queue 10s\n\n";
  for (const auto& f : want.frontends) {
    o << "frontend fe-" << f.name << "\n"
      << "  bind " << f.address << ":" << f.port << "\n"
      << "  default_backend be-" << f.backend << "\n\n";
  }
  for (const auto& b : want.backends) {
    o << "backend be-" << b.name << "\n"
      << "  timeout server " << b.timeout_sec << "s\n"
      << "  timeout check " << b.check.timeout_sec
      << "s\n"
      // Only requests that are safe to send twice are sent again.
      << "  http-request disable-l7-retry if !{ method GET HEAD OPTIONS }\n";
    RenderCheck(o, b.check);
    if (known) {
      auto have = known->find(b.name);
      for (const auto& s : b.servers) {
        if (s.draining) continue;  // Its requests stay with the worker that has them.
        // A server new to HAProxy is added by Converge, DOWN until its
        // check passes: one written here would start UP, unchecked, and
        // take requests before its instance serves.
        if (have == known->end()) continue;
        auto it = have->second.find(s.name);
        if (it == have->second.end() || it->second.address != s.address ||
            it->second.port != s.port) {
          continue;
        }
        o << "  server " << s.name << " " << ServerOptions(b, s) << "\n";
      }
    }
    o << "\n";
  }
  return o.str();
}

// The configuration without its server lines.
std::string StripServers(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("  server ", 0) == 0) continue;
    out += line + "\n";
  }
  return out;
}

}  // namespace

// At most this many connections to one server at a time; more requests
// wait in HAProxy's queue. A local VM's port is forwarded by QEMU's
// user-mode network, whose listening socket has a backlog of one: a third
// connection at once had its SYN dropped and retried a second later, which
// put 1 s on the p99 (bench/lb_bench.sh: 936 ms with 8 clients; 36 ms
// with 2 per server).
constexpr int kMaxConnPerServer = 2;

std::string ServerOptions(const ProxyBackend& b, const ProxyServer& s) {
  return fmt::format("{}:{} check port {} inter {}s fall {} rise {} weight {} maxconn {}",
                     s.address, s.port, s.check_port, b.check.check_interval_sec,
                     b.check.unhealthy_threshold, b.check.healthy_threshold, s.weight,
                     kMaxConnPerServer);
}

std::string RenderSkeleton(const ProxyConfig& want, const std::string& dir) {
  return Render(want, dir, nullptr);
}
std::string RenderFull(const ProxyConfig& want, const std::string& dir, const ProxyState& known) {
  return Render(want, dir, &known);
}

ProxyState ParseShowStat(const std::string& csv) {
  ProxyState out;
  std::istringstream in(csv);
  std::string line;
  std::map<std::string, size_t> col;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    size_t start = 0;
    if (line[0] == '#') start = line.find_first_not_of("# ");
    for (size_t i = start;; ++i) {
      size_t comma = line.find(',', i);
      f.push_back(line.substr(i, comma == std::string::npos ? std::string::npos : comma - i));
      if (comma == std::string::npos) break;
      i = comma;
    }
    if (line[0] == '#') {
      for (size_t i = 0; i < f.size(); ++i) col[f[i]] = i;
      continue;
    }
    auto get = [&](const char* name) -> std::string {
      auto it = col.find(name);
      return it != col.end() && it->second < f.size() ? f[it->second] : "";
    };
    const std::string px = get("pxname"), sv = get("svname");
    if (px.rfind("be-", 0) != 0 || sv == "BACKEND" || sv == "FRONTEND") continue;
    ServerState s;
    const std::string status = get("status");
    s.up = status.rfind("UP", 0) == 0 || status == "DRAIN" || status == "no check";
    s.draining = status.find("DRAIN") != std::string::npos;
    s.maintenance = status.find("MAINT") != std::string::npos;
    s.sessions = atoi(get("scur").c_str());
    s.weight = atoi(get("weight").c_str());
    std::string addr = get("addr");
    auto colon = addr.rfind(':');
    if (colon != std::string::npos) {
      s.address = addr.substr(0, colon);
      s.port = atoi(addr.c_str() + colon + 1);
    }
    out[px.substr(3)][sv] = s;
  }
  return out;
}

HaproxyProxy::HaproxyProxy(std::string dir) : dir_(std::move(dir)) {}

int HaproxyProxy::RunningPid() const {
  return base::LivePidFromFile(dir_ + "/haproxy.pid", "haproxy");
}

Result<std::string> HaproxyProxy::Command(const std::string& socket_path,
                                          const std::string& cmd) const {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Unavailable(std::string("socket: ") + strerror(errno));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof a.sun_path) {
    close(fd);
    return Status::Invalid("the load balancer's socket path is too long: " + socket_path +
                           "; use a shorter IMAGO_HOME");
  }
  strcpy(a.sun_path, socket_path.c_str());
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::string why = strerror(errno);
    close(fd);
    return Status::Unavailable("the load balancer does not answer at " + socket_path + ": " + why);
  }
  std::string line = cmd + "\n";
  if (send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    close(fd);
    return Status::Unavailable("the load balancer closed its socket");
  }
  std::string out;
  char buf[8192];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (true) {
    pollfd p{fd, POLLIN, 0};
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (left <= 0 || poll(&p, 1, left) != 1) {
      close(fd);
      return Status::Unavailable("the load balancer did not answer '" + cmd + "' in 5 s");
    }
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, n);
  }
  close(fd);
  return out;
}

Result<ProxyState> HaproxyProxy::Read() {
  if (RunningPid() == 0) return ProxyState{};
  auto csv = Command(dir_ + "/admin.sock", "show stat");
  if (!csv.ok()) return csv.status();
  return ParseShowStat(*csv);
}

Status HaproxyProxy::Stop() {
  int pid = RunningPid();
  if (pid == 0) return Status::OK();
  // Soft stop first: what is in flight finishes; then the hard way.
  for (int sig : {SIGUSR1, SIGTERM, SIGKILL}) {
    kill(pid, sig);
    for (int i = 0; i < 60 && RunningPid() == pid; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (RunningPid() != pid) break;
  }
  unlink((dir_ + "/haproxy.cfg").c_str());
  if (RunningPid() == pid)
    return Status::Unavailable("HAProxy (pid " + std::to_string(pid) + ") does not stop");
  return Status::OK();
}

Status HaproxyProxy::Restart(const ProxyConfig& want, const ProxyState* running) {
  const std::string bin = HaproxyBinary();
  if (bin.empty()) {
    return Status::Unavailable(
        "HAProxy is not installed, and the local cloud's load balancer runs on it: "
        "apt-get install haproxy (make deps installs it)");
  }
  const std::string cfg = dir_ + "/haproxy.cfg";
  IMAGO_RETURN_IF_ERROR(base::WriteFileAtomic(
      cfg + ".new", RenderFull(want, dir_, running ? *running : ProxyState{})));
  auto check = base::RunProcess({bin, "-c", "-q", "-f", cfg + ".new"}, {});
  if (!check.ok()) return check.status();
  if (check->exit_code != 0) {
    unlink((cfg + ".new").c_str());
    std::string why = base::FirstLine(check->err.empty() ? check->out : check->err);
    return Status::Internal("the load balancer's configuration was refused by HAProxy: " + why);
  }
  if (running) {
    // The server states go to the state file the new worker reads.
    auto state = Command(dir_ + "/admin.sock", "show servers state");
    if (state.ok()) (void)base::WriteFileAtomic(dir_ + "/servers.state", *state);
    auto info = Command(dir_ + "/admin.sock", "show info");
    if (rename((cfg + ".new").c_str(), cfg.c_str()) != 0) {
      return Status::Unavailable("cannot write " + cfg + ": " + strerror(errno));
    }
    auto r = Command(dir_ + "/master.sock", "reload");
    if (!r.ok()) return r.status();
    // Ready when the worker answering is a new one.
    std::string before = info.ok() ? info->substr(0, info->find("Uptime")) : "";
    for (int i = 0; i < 100; ++i) {
      auto now = Command(dir_ + "/admin.sock", "show info");
      if (now.ok() && now->substr(0, now->find("Uptime")) != before) return Status::OK();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Status::Unavailable("the load balancer did not reload within 5 s; see " + dir_ +
                               "/haproxy.log");
  }
  if (rename((cfg + ".new").c_str(), cfg.c_str()) != 0) {
    return Status::Unavailable("cannot write " + cfg + ": " + strerror(errno));
  }
  // A new proxy learns health anew.
  IMAGO_RETURN_IF_ERROR(base::WriteFileAtomic(dir_ + "/servers.state", ""));
  unlink((dir_ + "/admin.sock").c_str());
  unlink((dir_ + "/master.sock").c_str());
  base::SubprocessOptions po;
  po.stdout_path = dir_ + "/haproxy.log";
  po.merge_stderr = true;
  auto r = base::RunProcess({bin, "-W", "-D", "-f", cfg, "-S", dir_ + "/master.sock,mode,600"}, po);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return Status::Unavailable("HAProxy did not start (exit " + std::to_string(r->exit_code) +
                               "); see " + dir_ + "/haproxy.log");
  }
  for (int i = 0; i < 100; ++i) {
    if (Command(dir_ + "/admin.sock", "show info").ok()) return Status::OK();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::Unavailable("HAProxy started but does not answer; see " + dir_ + "/haproxy.log");
}

Status HaproxyProxy::Converge(const ProxyConfig& want) {
  auto state = Read();
  if (!state.ok()) return state.status();
  const std::string admin = dir_ + "/admin.sock";
  Status first = Status::OK();
  auto run = [&](const std::string& cmd) {
    auto r = Command(admin, cmd);
    if (!r.ok() && first.ok()) first = r.status();
    return r.ok() ? *r : std::string();
  };
  for (const auto& b : want.backends) {
    const auto& have = (*state)[b.name];
    const std::string be = "be-" + b.name + "/";
    std::set<std::string> wanted;
    for (const auto& s : b.servers) {
      wanted.insert(s.name);
      auto it = have.find(s.name);
      if (it != have.end() && (it->second.address != s.address || it->second.port != s.port)) {
        // The instance was made again (same name, another port): a new server.
        run("set server " + be + s.name + " state maint");
        run("del server " + be + s.name);
        it = have.end();
      }
      if (it == have.end()) {
        if (s.draining) continue;
        std::string added = run("add server " + be + s.name + " " + ServerOptions(b, s));
        if (added.find("New server registered") == std::string::npos) {
          if (first.ok()) {
            first = Status::Unavailable("the load balancer refused server " + s.name + ": " +
                                        base::FirstLine(added));
          }
          continue;
        }
        // Health first, then traffic: a new server starts DOWN and takes
        // requests after `rise` good checks.
        run("enable health " + be + s.name + ";enable server " + be + s.name + ";set server " + be +
            s.name + " health down");
        continue;
      }
      const ServerState& c = it->second;
      if (c.weight != s.weight && !s.draining) {
        run(fmt::format("set server {}{} weight {}", be, s.name, s.weight));
      }
      if (s.draining && !c.draining) run("set server " + be + s.name + " state drain");
      if (!s.draining && (c.draining || c.maintenance)) {
        run("set server " + be + s.name + " state ready");
      }
    }
    for (const auto& [name, c] : have) {
      if (wanted.count(name)) continue;
      if (c.sessions > 0) {
        if (!c.draining) run("set server " + be + name + " state drain");
        continue;
      }
      run("set server " + be + name + " state maint");
      run("del server " + be + name);
    }
  }
  return first;
}

Status HaproxyProxy::Apply(const ProxyConfig& want) {
  if (want.frontends.empty()) return Stop();
  if (mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Unavailable("cannot create " + dir_ + ": " + strerror(errno));
  }
  const bool running = RunningPid() != 0;
  std::string current;
  ProxyState have;
  if (running) {
    std::ifstream f(dir_ + "/haproxy.cfg");
    std::stringstream ss;
    ss << f.rdbuf();
    current = StripServers(ss.str());
    auto state = Read();
    if (state.ok()) have = std::move(state.value());
  }
  if (!running || current != RenderSkeleton(want, dir_)) {
    IMAGO_RETURN_IF_ERROR(Restart(want, running ? &have : nullptr));
  }
  return Converge(want);
}

}  // namespace imago::lb
