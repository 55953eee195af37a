// Running a helper program (qemu-img, debugfs, qemu-system-x86_64,
// ansible-playbook, git) and waiting for it: argv in, exit status and its
// output out. No shell. The one place imago forks and execs.
//
// Every child dies with imago (PR_SET_PDEATHSIG): after a kill -9 of imago
// no qemu-img goes on writing a file recovery has already removed, and no
// ansible-playbook goes on configuring a builder VM that is being deleted.
// (A QEMU that daemonizes forks again; its daemon is not affected, by design.)
#ifndef IMAGO_BASE_SUBPROCESS_H_
#define IMAGO_BASE_SUBPROCESS_H_

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace imago::base {

struct ProcessResult {
  int exit_code = -1;      // The exit status; 128+N when ended by signal N.
  bool cancelled = false;  // Ended because SubprocessOptions::cancel was set.
  std::string out;         // Standard output, when captured.
  std::string err;         // Standard error, when captured.
};

/// Called with each chunk of output as it arrives (not split into lines).
using OutputFn = std::function<void(bool is_stderr, std::string_view chunk)>;

struct SubprocessOptions {
  /// Standard output goes to this file (created, mode 0600) instead of
  /// being captured or streamed.
  std::string stdout_path;
  /// Standard error goes where standard output goes.
  bool merge_stderr = false;
  /// When set, output is passed here as it arrives instead of captured.
  OutputFn on_output;
  /// "NAME=VALUE" entries added to (or replacing in) the environment.
  std::vector<std::string> env;
  /// The child's working directory ("" : this process's).
  std::string cwd;
  /// Polled while the child runs: once true, the child's process group gets
  /// SIGTERM (then SIGKILL after 5 s) and the result says `cancelled`.
  const std::atomic<bool>* cancel = nullptr;
};

/// Runs argv[0] (looked up in PATH) with argv and waits; stdin is /dev/null.
/// The child leads a process group of its own, so that a cancel reaches what
/// it started too. On success the result has its exit code and output
/// (a non-zero exit is a result, not an error). 503 only when the program
/// cannot be started at all (it is not installed, ...).
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 const SubprocessOptions& options = {});

/// Starts `argv` (argv[0] a path) as a daemon that outlives this process:
/// in a session of its own, stdin /dev/null, stdout and stderr appended to
/// `log_path` (created with mode 0600), not waited for. The one place
/// besides RunProcess that starts a program. 503 when it cannot start.
Status SpawnDetached(const std::vector<std::string>& argv, const std::string& log_path);

/// The pid written in `pid_file` when that process lives (not a zombie:
/// killed and not yet reaped by init) and its executable is named
/// `exe_name` ("haproxy"); 0 otherwise. For daemons that write a pid file.
int LivePidFromFile(const std::string& pid_file, const std::string& exe_name);

/// The first non-empty line of `text` (for one-line error messages).
std::string FirstLine(const std::string& text);

}  // namespace imago::base

#endif  // IMAGO_BASE_SUBPROCESS_H_
