// imago-guest-agent: runs inside a builder VM and lets imago run commands,
// upload and download files (src/agent/protocol.h). It is how `imago bake`
// provisions a machine: no SSH server, no keys, no network but the local
// cloud's forwarded port. Every connection must start with the token the
// builder VM was given in its metadata.
//
//   imago-guest-agent --token-file FILE [--port 7722] [--listen ADDR]
//
// A static binary with no dependency: it runs on any image with a Linux
// kernel (the kit's busybox image has no C library of its own).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "agent/protocol.h"

namespace imago::agent {
namespace {

std::string Errno(const std::string& what) {
  return what + ": " + strerror(errno);
}

void MakeParents(const std::string& path) {
  for (size_t i = 1; i < path.size(); ++i) {
    if (path[i] == '/') mkdir(path.substr(0, i).c_str(), 0755);
  }
}

void Put(int conn, const std::string& header) {
  size_t space = header.find(' ');
  if (space == std::string::npos) {
    SendFrame(conn, kError, "put: expected 'MODE PATH'");
    return;
  }
  mode_t mode = static_cast<mode_t>(strtol(header.substr(0, space).c_str(), nullptr, 8));
  std::string path = header.substr(space + 1);
  MakeParents(path);
  std::string tmp = path + ".imago-upload";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  std::string error = fd < 0 ? Errno("cannot write " + path) : "";
  char type;
  std::string data;
  while (ReceiveFrame(conn, &type, &data)) {
    if (type == kEnd) {
      if (fd >= 0) {
        if (fchmod(fd, mode & 07777) != 0 && error.empty()) error = Errno("chmod " + path);
        if (close(fd) != 0 && error.empty()) error = Errno("close " + path);
        fd = -1;
        if (error.empty() && rename(tmp.c_str(), path.c_str()) != 0) {
          error = Errno("cannot write " + path);
        }
      }
      if (!error.empty()) unlink(tmp.c_str());
      SendFrame(conn, error.empty() ? kOk : kError, error);
      return;
    }
    if (type == kData && fd >= 0 && error.empty() && !WriteFileAll(fd, data.data(), data.size())) {
      error = Errno("cannot write " + path);
    }
  }
  if (fd >= 0) close(fd);
  unlink(tmp.c_str());  // The host went away: nothing half-written stays.
}

void Get(int conn, const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    SendFrame(conn, kError, Errno("cannot read " + path));
    return;
  }
  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t r = read(fd, buf.data(), buf.size());
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      SendFrame(conn, kError, Errno("cannot read " + path));
      break;
    }
    if (r == 0) {
      SendFrame(conn, kOk, "");
      break;
    }
    if (!SendFrame(conn, kData, buf.data(), static_cast<size_t>(r))) break;
  }
  close(fd);
}

void Exec(int conn, const std::string& command) {
  std::vector<std::string> env;
  std::string input_path = "/tmp/.imago-agent-stdin-" + std::to_string(getpid());
  int input = -1;
  char type;
  std::string data;
  for (;;) {
    if (!ReceiveFrame(conn, &type, &data)) return;
    if (type == kEnd) break;
    if (type == kEnv) env.push_back(data);
    if (type == kStdin) {
      if (input < 0) input = open(input_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (input >= 0) WriteFileAll(input, data.data(), data.size());
    }
  }
  if (input >= 0) {
    unlink(input_path.c_str());
    lseek(input, 0, SEEK_SET);
  }
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    SendFrame(conn, kError, Errno("pipe"));
    return;
  }
  pid_t pid = fork();
  if (pid < 0) {
    SendFrame(conn, kError, Errno("fork"));
    return;
  }
  if (pid == 0) {
    setsid();
    int in = input >= 0 ? input : open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    signal(SIGPIPE, SIG_DFL);
    for (const std::string& kv : env) putenv(const_cast<char*>(kv.c_str()));
    if (chdir(getenv("HOME") ? getenv("HOME") : "/") != 0 && chdir("/") != 0) _exit(126);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  if (input >= 0) close(input);
  std::vector<char> buf(1 << 16);
  bool out_open = true, err_open = true, host_gone = false, exited = false;
  int status = 0;
  // Until both pipes close, or the command has exited and its pipes are
  // drained (a daemon it started in the background may hold them open).
  while ((out_open || err_open) && !host_gone) {
    pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {conn, POLLIN, 0}};
    if (!out_open) fds[0].fd = -1;
    if (!err_open) fds[1].fd = -1;
    int ready = poll(fds, 3, exited ? 0 : 200);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ready == 0 && exited) break;
    // Anything from the host now means it gave up (it sends nothing more).
    if (fds[2].revents) host_gone = true;
    for (int i = 0; i < 2; ++i) {
      if (!fds[i].revents) continue;
      ssize_t r = read(fds[i].fd, buf.data(), buf.size());
      if (r <= 0) {
        (i == 0 ? out_open : err_open) = false;
      } else if (!SendFrame(conn, i == 0 ? kStdout : kStderr, buf.data(), static_cast<size_t>(r))) {
        host_gone = true;
      }
    }
    if (!exited && waitpid(pid, &status, WNOHANG) == pid) exited = true;
  }
  if (host_gone) kill(-pid, SIGKILL);
  while (!exited && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  close(out[0]);
  close(err[0]);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  SendFrame(conn, kExitCode, std::to_string(code));
}

/// After an early answer: tell the host we are done, then read what it
/// still sends (at most 2 s) before closing, so that unread data does not
/// make the kernel reset the connection and lose the answer.
void LingeringClose(int conn) {
  shutdown(conn, SHUT_WR);
  timeval tv{0, 200000};
  setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[4096];
  for (int i = 0; i < 10; ++i) {
    ssize_t r = read(conn, buf, sizeof buf);
    if (r == 0) break;
    if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) break;
  }
}

void Serve(int conn, const std::string& token) {
  // The hello line, within 10 s.
  timeval tv{10, 0};
  setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string line;
  char c;
  while (line.size() < 512 && read(conn, &c, 1) == 1 && c != '\n') line += c;
  std::string expected = std::string(kHello) + token;
  unsigned diff = line.size() != expected.size();
  for (size_t i = 0; i < line.size() && i < expected.size(); ++i) diff |= line[i] ^ expected[i];
  if (diff != 0 || token.empty()) {
    SendFrame(conn, kError, "the agent refused the connection: wrong token");
    LingeringClose(conn);
    return;
  }
  tv = {0, 0};
  setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char type;
  std::string payload;
  if (!ReceiveFrame(conn, &type, &payload)) return;
  if (type == kExec) return Exec(conn, payload);
  if (type == kPut) return Put(conn, payload);
  if (type == kGet) return Get(conn, payload);
  SendFrame(conn, kError, std::string("unknown request '") + type + "'");
  LingeringClose(conn);
}

std::string ReadToken(const std::string& path) {
  FILE* f = fopen(path.c_str(), "r");
  if (!f) return "";
  char buf[256] = {};
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  std::string t(buf, n);
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  return t;
}

}  // namespace
}  // namespace imago::agent

int main(int argc, char** argv) {
  using namespace imago::agent;
  int port = kDefaultPort;
  std::string token_file, listen_addr = "0.0.0.0";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--port")
      port = atoi(argv[i + 1]);
    else if (flag == "--token-file")
      token_file = argv[i + 1];
    else if (flag == "--listen")
      listen_addr = argv[i + 1];
  }
  if (token_file.empty()) {
    fprintf(stderr, "usage: imago-guest-agent --token-file FILE [--port N] [--listen ADDR]\n");
    return 2;
  }
  std::string token = ReadToken(token_file);
  if (token.empty()) {
    fprintf(stderr, "imago-guest-agent: no token in %s\n", token_file.c_str());
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGCHLD, SIG_IGN);  // Connection handlers are never waited for.
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, listen_addr.c_str(), &addr.sin_addr);
  if (bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(s, 16) != 0) {
    fprintf(stderr, "imago-guest-agent: cannot listen on %s:%d: %s\n", listen_addr.c_str(), port,
            strerror(errno));
    return 1;
  }
  fprintf(stderr, "imago-guest-agent: listening on %s:%d\n", listen_addr.c_str(), port);
  for (;;) {
    int conn = accept4(s, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pid_t pid = fork();
    if (pid == 0) {
      close(s);
      signal(SIGCHLD, SIG_DFL);
      Serve(conn, token);
      close(conn);
      _exit(0);
    }
    close(conn);
  }
}
