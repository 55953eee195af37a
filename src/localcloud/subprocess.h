// Running a helper program (qemu-img, debugfs, qemu-system-x86_64) and
// waiting for it: argv in, exit status and captured output out. No shell.
#ifndef IMAGO_LOCALCLOUD_SUBPROCESS_H_
#define IMAGO_LOCALCLOUD_SUBPROCESS_H_

#include <string>
#include <vector>

#include "compute/status.h"

namespace imago::localcloud {

struct ProcessResult {
  int exit_code = -1;  // -1 when it did not exit normally.
  std::string out;     // Standard output (when captured).
  std::string err;     // Standard error.
};

/// Runs argv[0] (looked up in PATH) with argv and waits. stdin is /dev/null.
/// Standard output goes to `stdout_path` when given, else it is captured.
/// Fails (503) only when the program cannot be started at all.
compute::Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                          const std::string& stdout_path = "");

/// The first non-empty line of `text` (for one-line error messages).
std::string FirstLine(const std::string& text);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_SUBPROCESS_H_
