#include "localcloud/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace imago::localcloud {

using compute::Result;
using compute::Status;

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 const std::string& stdout_path) {
  if (argv.empty()) return Status::Internal("RunProcess: empty argv");
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  if (pipe2(err_pipe, O_CLOEXEC) != 0 || (stdout_path.empty() && pipe2(out_pipe, O_CLOEXEC) != 0)) {
    return Status::Unavailable(std::string("pipe: ") + strerror(errno));
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // A helper dies with imago (PR_SET_PDEATHSIG): after a kill -9 no
  // qemu-img may go on writing files that recovery has already removed.
  // (A QEMU that daemonizes forks, and its daemon is not affected.)
  int exec_pipe[2];
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) {
    return Status::Unavailable(std::string("pipe: ") + strerror(errno));
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // The parent is already gone.
    int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    if (stdout_path.empty()) {
      dup2(out_pipe[1], 1);
    } else {
      int out = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(out, 1);
    }
    dup2(err_pipe[1], 2);
    execvp(args[0], args.data());
    int err = errno;
    (void)!write(exec_pipe[1], &err, sizeof err);
    _exit(127);
  }
  close(exec_pipe[1]);
  int rc = 0;
  if (pid < 0) {
    rc = errno;
  } else if (read(exec_pipe[0], &rc, sizeof rc) != sizeof rc) {
    rc = 0;  // exec succeeded: the pipe closed without a word.
  }
  close(exec_pipe[0]);
  if (rc != 0 && pid > 0) waitpid(pid, nullptr, 0);
  close(err_pipe[1]);
  if (out_pipe[1] >= 0) close(out_pipe[1]);
  if (rc != 0) {
    close(err_pipe[0]);
    if (out_pipe[0] >= 0) close(out_pipe[0]);
    return Status::Unavailable("cannot run " + argv[0] + ": " + strerror(rc) +
                               " (is it installed? `make deps` installs it)");
  }
  ProcessResult result;
  // Read both pipes until both close, so that neither can fill up and block the child.
  std::vector<pollfd> fds;
  fds.push_back({err_pipe[0], POLLIN, 0});
  if (out_pipe[0] >= 0) fds.push_back({out_pipe[0], POLLIN, 0});
  char buf[65536];
  while (!fds.empty()) {
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (size_t i = 0; i < fds.size();) {
      if (fds[i].revents == 0) {
        ++i;
        continue;
      }
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (fds[i].fd == err_pipe[0] ? result.err : result.out).append(buf, n);
        ++i;
      } else if (n < 0 && errno == EINTR) {
        ++i;
      } else {
        close(fds[i].fd);
        fds.erase(fds.begin() + i);
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
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

}  // namespace imago::localcloud
