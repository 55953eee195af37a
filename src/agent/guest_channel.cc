#include "agent/guest_channel.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "agent/protocol.h"

namespace imago::agent {

using base::Result;
using base::Status;

namespace {

/// Closes a socket when it goes out of scope.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

Status Broken(const std::string& what) {
  return Status::Unavailable("the connection to the guest agent broke during " + what);
}

/// What to report when sending broke: the agent may have answered first
/// (a refused token) and closed; its answer says more than "broke".
Status SendBroke(int fd, const std::string& what) {
  char type;
  std::string payload;
  if (ReceiveFrame(fd, &type, &payload) && type == kError) return Status::Invalid(payload);
  return Broken(what);
}

/// Waits for the agent's 'K' (or 'E').
Status AwaitOk(int fd, const std::string& what) {
  char type;
  std::string payload;
  if (!ReceiveFrame(fd, &type, &payload)) return Broken(what);
  if (type == kError) return Status::Invalid(what + ": " + payload);
  if (type != kOk) return Status::Internal(what + ": unexpected answer from the guest agent");
  return Status::OK();
}

}  // namespace

Result<int> AgentChannel::Connect() {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return Status::Unavailable(std::string("socket: ") + strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::string why = strerror(errno);
    close(s);
    return Status::Unavailable(
        "cannot reach the guest agent at 127.0.0.1:" + std::to_string(port_) + ": " + why);
  }
  int one = 1;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (probe_timeout_.count() > 0) {
    timeval tv{static_cast<time_t>(probe_timeout_.count() / 1000),
               static_cast<suseconds_t>((probe_timeout_.count() % 1000) * 1000)};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  std::string hello = std::string(kHello) + token_ + "\n";
  if (!SendAll(s, hello.data(), hello.size())) {
    close(s);
    return Status::Unavailable("the guest agent closed the connection");
  }
  return s;
}

Status AgentChannel::WaitReady(std::chrono::milliseconds timeout,
                               const std::function<Status()>& alive) {
  auto end = std::chrono::steady_clock::now() + timeout;
  std::string last = "no answer";
  for (;;) {
    // QEMU's user network accepts a connection before the guest listens, so
    // only a command that really ran proves the agent is up. Each probe may
    // wait a second for its answer, then the next one starts afresh.
    probe_timeout_ = std::chrono::milliseconds(1000);
    auto rc = Exec("true", {}, "", [](bool, const std::string&) {});
    probe_timeout_ = std::chrono::milliseconds(0);
    if (rc.ok() && *rc == 0) return Status::OK();
    if (!rc.ok()) last = rc.status().message();
    if (rc.ok() || rc.status().code() == base::Code::kInvalid) {
      return Status::Invalid("the guest agent answered but cannot run commands: " + last);
    }
    if (alive) {
      Status st = alive();
      if (!st.ok()) return st;
    }
    if (std::chrono::steady_clock::now() > end) {
      return Status::Unavailable(
          "the guest agent did not answer within " +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
          " s (" + last + "): does the source image start imago-guest-agent? The kit's do");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Result<int> AgentChannel::Exec(const std::string& command,
                               const std::map<std::string, std::string>& env,
                               const std::string& input, const OutputFn& on_output,
                               const std::atomic<bool>* cancel) {
  auto s = Connect();
  if (!s.ok()) return s.status();
  Fd fd(*s);
  bool sent = SendFrame(fd.fd, kExec, command);
  for (const auto& [k, v] : env) sent = sent && SendFrame(fd.fd, kEnv, k + "=" + v);
  for (size_t off = 0; sent && off < input.size(); off += kMaxFrame) {
    sent = SendFrame(fd.fd, kStdin, input.data() + off,
                     std::min<size_t>(kMaxFrame, input.size() - off));
  }
  sent = sent && SendFrame(fd.fd, kEnd, "");
  if (!sent) return SendBroke(fd.fd, "a command");
  for (;;) {
    if (cancel) {
      // Wake up now and then to see whether the caller gave up.
      pollfd p{fd.fd, POLLIN, 0};
      int ready = poll(&p, 1, 100);
      if (cancel->load()) return Status::Unavailable("cancelled");
      if (ready == 0) continue;
    }
    char type;
    std::string payload;
    if (!ReceiveFrame(fd.fd, &type, &payload)) return Broken("a command");
    switch (type) {
      case kStdout:
      case kStderr:
        on_output(type == kStderr, payload);
        break;
      case kExitCode:
        return std::atoi(payload.c_str());
      case kError:
        return Status::Invalid(payload);
      default:
        return Status::Internal("unexpected answer from the guest agent");
    }
  }
}

Status AgentChannel::PutData(const std::string& content, const std::string& remote_path, int mode) {
  auto s = Connect();
  if (!s.ok()) return s.status();
  Fd fd(*s);
  char header[16];
  snprintf(header, sizeof header, "%o ", mode & 07777);
  bool sent = SendFrame(fd.fd, kPut, header + remote_path);
  for (size_t off = 0; sent && off < content.size(); off += kMaxFrame) {
    sent = SendFrame(fd.fd, kData, content.data() + off,
                     std::min<size_t>(kMaxFrame, content.size() - off));
  }
  if (!(sent && SendFrame(fd.fd, kEnd, ""))) return SendBroke(fd.fd, "an upload of " + remote_path);
  return AwaitOk(fd.fd, "upload of " + remote_path);
}

Status AgentChannel::PutFile(const std::string& local_path, const std::string& remote_path) {
  int in = open(local_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Status::Invalid("cannot read " + local_path + ": " + strerror(errno));
  Fd file(in);
  struct stat st;
  fstat(in, &st);
  auto s = Connect();
  if (!s.ok()) return s.status();
  Fd fd(*s);
  char header[16];
  snprintf(header, sizeof header, "%o ", static_cast<unsigned>(st.st_mode & 07777));
  bool sent = SendFrame(fd.fd, kPut, header + remote_path);
  std::vector<char> buf(1 << 16);
  while (sent) {
    ssize_t r = read(in, buf.data(), buf.size());
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::Invalid("cannot read " + local_path + ": " + strerror(errno));
    if (r == 0) break;
    sent = SendFrame(fd.fd, kData, buf.data(), static_cast<size_t>(r));
  }
  if (!(sent && SendFrame(fd.fd, kEnd, ""))) return SendBroke(fd.fd, "an upload of " + remote_path);
  return AwaitOk(fd.fd, "upload of " + remote_path);
}

Status AgentChannel::GetFile(const std::string& remote_path, const std::string& local_path) {
  auto s = Connect();
  if (!s.ok()) return s.status();
  Fd fd(*s);
  if (!SendFrame(fd.fd, kGet, remote_path)) return SendBroke(fd.fd, "a download of " + remote_path);
  std::string tmp = local_path + ".imago-download";
  int out = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) return Status::Invalid("cannot write " + local_path + ": " + strerror(errno));
  Fd file(out);
  for (;;) {
    char type;
    std::string payload;
    if (!ReceiveFrame(fd.fd, &type, &payload)) {
      unlink(tmp.c_str());
      return Broken("a download of " + remote_path);
    }
    if (type == kData) {
      if (!WriteFileAll(out, payload.data(), payload.size())) {
        unlink(tmp.c_str());
        return Status::Invalid("cannot write " + local_path + ": " + strerror(errno));
      }
      continue;
    }
    if (type == kOk && rename(tmp.c_str(), local_path.c_str()) == 0) return Status::OK();
    unlink(tmp.c_str());
    if (type == kError) return Status::Invalid("download of " + remote_path + ": " + payload);
    return Status::Invalid("cannot write " + local_path + ": " + strerror(errno));
  }
}

}  // namespace imago::agent
