#include "base/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

namespace imago::base {

namespace {

// Closes a descriptor once, whatever path leaves the function.
struct Fd {
  int fd = -1;
  ~Fd() { Close(); }
  void Close() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
};

// In the child, after fork: never returns. Reports an exec failure's errno
// on `exec_err` (close-on-exec: a successful exec closes it unwritten).
[[noreturn]] void ExecChild(const std::vector<std::string>& argv, const SubprocessOptions& o,
                            pid_t parent, int out_w, int err_w, int exec_err) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // The parent is already gone.
  setpgid(0, 0);
  int in = open("/dev/null", O_RDONLY);
  if (in >= 0) dup2(in, 0);
  if (!o.stdout_path.empty()) {
    int out = open(o.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0) {
      int e = errno;
      (void)!write(exec_err, &e, sizeof e);
      _exit(127);
    }
    dup2(out, 1);
  } else {
    dup2(out_w, 1);
  }
  dup2(o.merge_stderr ? 1 : err_w, 2);
  for (const std::string& kv : o.env) putenv(const_cast<char*>(kv.c_str()));
  if (!o.cwd.empty() && chdir(o.cwd.c_str()) != 0) {
    int e = errno;
    (void)!write(exec_err, &e, sizeof e);
    _exit(127);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  int e = errno;
  (void)!write(exec_err, &e, sizeof e);
  _exit(127);
}

}  // namespace

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv, const SubprocessOptions& o) {
  if (argv.empty()) return Status::Internal("RunProcess: empty argv");
  int p[2];
  Fd out_r, out_w, err_r, err_w, exec_r, exec_w;
  if (pipe2(p, O_CLOEXEC) != 0) return Status::Unavailable(std::string("pipe: ") + strerror(errno));
  out_r.fd = p[0];
  out_w.fd = p[1];
  if (pipe2(p, O_CLOEXEC) != 0) return Status::Unavailable(std::string("pipe: ") + strerror(errno));
  err_r.fd = p[0];
  err_w.fd = p[1];
  if (pipe2(p, O_CLOEXEC) != 0) return Status::Unavailable(std::string("pipe: ") + strerror(errno));
  exec_r.fd = p[0];
  exec_w.fd = p[1];
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return Status::Unavailable(std::string("fork: ") + strerror(errno));
  if (pid == 0) ExecChild(argv, o, parent, out_w.fd, err_w.fd, exec_w.fd);
  setpgid(pid, pid);  // Also here, so that a cancel right away reaches the group.
  exec_w.Close();
  out_w.Close();
  err_w.Close();
  int exec_errno = 0;
  if (read(exec_r.fd, &exec_errno, sizeof exec_errno) != sizeof exec_errno) exec_errno = 0;
  if (exec_errno != 0) {
    waitpid(pid, nullptr, 0);
    return Status::Unavailable("cannot run " + argv[0] + ": " + strerror(exec_errno) +
                               " (is it installed? `make deps` installs it)");
  }

  ProcessResult result;
  // Read both pipes until both close, so that neither can fill up and block the child.
  std::vector<pollfd> fds = {{out_r.fd, POLLIN, 0}, {err_r.fd, POLLIN, 0}};
  char buf[65536];
  using Clock = std::chrono::steady_clock;
  Clock::time_point term_sent{};
  bool killed = false;
  while (!fds.empty()) {
    if (o.cancel && o.cancel->load() && !result.cancelled) {
      kill(-pid, SIGTERM);
      result.cancelled = true;
      term_sent = Clock::now();
    }
    if (result.cancelled && !killed && Clock::now() - term_sent > std::chrono::seconds(5)) {
      kill(-pid, SIGKILL);
      killed = true;
    }
    int n = poll(fds.data(), fds.size(), o.cancel ? 100 : -1);
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    for (size_t i = 0; i < fds.size();) {
      if (fds[i].revents == 0) {
        ++i;
        continue;
      }
      bool is_err = fds[i].fd == err_r.fd;
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        std::string_view chunk(buf, static_cast<size_t>(got));
        if (o.on_output) {
          o.on_output(is_err, chunk);
        } else {
          (is_err ? result.err : result.out).append(chunk);
        }
        ++i;
      } else if (got < 0 && errno == EINTR) {
        ++i;
      } else {
        fds.erase(fds.begin() + static_cast<long>(i));
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status)     ? WEXITSTATUS(status)
                     : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                           : -1;
  return result;
}

std::string FirstLine(const std::string& text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string::npos) return line;
    start = end + 1;
  }
  return "";
}

Status SpawnDetached(const std::vector<std::string>& argv, const std::string& log_path) {
  if (argv.empty()) return Status::Invalid("nothing to start");
  int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log < 0) return Status::Unavailable("cannot open " + log_path + ": " + strerror(errno));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    close(log);
    return Status::Unavailable(std::string("fork: ") + strerror(errno));
  }
  if (pid == 0) {
    // The first child starts a session and forks the daemon, which init
    // then reaps: nobody has to wait for it.
    setsid();
    if (fork() != 0) _exit(0);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    dup2(log, 1);
    dup2(log, 2);
    // Nothing else of ours: an inherited lock or catalog descriptor would
    // stay held by the daemon.
    close_range(3, ~0U, 0);
    execv(args[0], args.data());
    _exit(127);
  }
  close(log);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return Status::OK();
}

int LivePidFromFile(const std::string& pid_file, const std::string& exe_name) {
  std::ifstream f(pid_file);
  int pid = 0;
  if (!(f >> pid) || pid <= 0 || kill(pid, 0) != 0) return 0;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  auto paren = line.rfind(") ");
  if (paren == std::string::npos || line.compare(paren + 2, 1, "Z") == 0) return 0;
  char exe[4096];
  ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), exe, sizeof exe - 1);
  if (n <= 0) return 0;
  exe[n] = 0;
  std::string name = exe;
  return name.substr(name.rfind('/') + 1) == exe_name ? pid : 0;
}

}  // namespace imago::base
