// What every imago command shares: the global flags, the Service it talks
// to, the clock, and how an error becomes one line and an exit code.
#ifndef IMAGO_CLI_CONTEXT_H_
#define IMAGO_CLI_CONTEXT_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cli/output.h"
#include "cli/projection.h"
#include "compute/service.h"
#include "compute/status.h"
#include "compute/time_util.h"

// CLI11 is header-only and heavy: the files that build commands include it.
namespace CLI {
class App;
}  // namespace CLI

namespace imago::cli {

/// Exit codes (docs/cli.md). Scripts may rely on them.
enum ExitCode {
  kExitOk = 0,
  kExitInternal = 1,        // A bug or an unexpected failure.
  kExitUsage = 2,           // Bad flags or arguments (before anything ran).
  kExitInvalid = 3,         // 400: a value was refused.
  kExitNotFound = 4,        // 404.
  kExitExists = 5,          // 409.
  kExitConflict = 6,        // 412: changed by someone else meanwhile.
  kExitNotReady = 7,        // 400 resourceNotReady / resourceInUseByAnotherResource.
  kExitUnavailable = 8,     // 503, I/O, catalog busy: trying again may work.
  kExitAuth = 9,            // 401 / 403.
  kExitPartial = 10,        // Some changes of a batch failed; the others took effect.
  kExitProvisioner = 11,    // A bake's provisioner failed (its exit code is in the message).
  kExitRolledBack = 12,     // A release failed its health check and was rolled back.
  kExitReleaseFailed = 13,  // A release failed its health check and was left as it was.
  kExitUpdates = 100,       // update-check: updates exist (dnf check-update's code).
  kExitCancelled = 130,     // Interrupted (Ctrl-C); running the command again continues.
};

int ExitCodeFor(const compute::Status& st);

/// Whether an endpoint URL names this machine (127.0.0.0/8, ::1,
/// localhost): imago serve, which can read this machine's files.
bool IsLoopbackEndpoint(const std::string& url);

/// The global flags.
struct Globals {
  std::string project;          // Empty until resolved: flag, IMAGO_PROJECT, gcloud, "local".
  std::string zone;             // Empty until resolved: flag, IMAGO_ZONE, gcloud, "local-a".
  bool zone_flag = false;       // --zone was on the command line (it narrows lists).
  std::string cloud = "local";  // local | gce.
  std::string endpoint = "https://compute.googleapis.com/compute/v1/";
  std::string access_token;
  std::string format;  // Empty: the command's default.
  std::string home;    // Empty: $IMAGO_HOME or ~/.local/share/imago.
  std::string now;     // Empty: the real time.
  bool quiet = false;
  std::string verbosity = "warning";  // gcloud's levels; error, critical, none: no warnings.
  bool log_http = false;              // --cloud gce: every HTTP exchange on stderr.
  bool uri = false;                   // --uri: each resource's selfLink only.
};

class Context {
 public:
  Globals g;
  int exit_code = kExitOk;

  /// Adds the global flags to the root command.
  void AddFlags(CLI::App& app);

  /// The Service, opened on first use. On failure prints the error, sets
  /// exit_code and returns nullptr.
  compute::Service* Service(const std::string& command);
  /// The local cloud's home directory.
  std::string Home() const;
  /// The clock: --now when given, else the system clock.
  const compute::Clock& Clock();
  /// The output format, `dflt` unless --format was given.
  Format OutputFormat(Format dflt) const;

  /// Reports `st` for `command` ("images.create"): one line on stderr, the
  /// GCE error JSON on stdout with --format json. Returns the exit code and
  /// stores it in exit_code.
  int Fail(const std::string& command, const compute::Status& st);
  /// A usage error (bad flag value found by a command).
  int Usage(const std::string& command, const std::string& message);
  /// "WARNING: ..." on stderr.
  void Warn(const std::string& message) const;
  /// Prints the warnings of an operation on stderr.
  void WarnAbout(const compute::Operation& op) const;
  /// The outcome of a mutation for `command`: on failure (of the call or of
  /// the operation) reports it like Fail and returns its exit code; else
  /// prints the operation's warnings and returns 0.
  int Check(const std::string& command, const compute::Result<compute::Operation>& op);
  /// Asks on a terminal; true without asking when --quiet or not a terminal.
  bool Confirm(const std::string& question) const;

 private:
  // The clock first: the local cloud keeps a pointer to it, so it must be
  // destroyed after the service.
  std::unique_ptr<compute::Clock> clock_;
  std::unique_ptr<compute::Service> service_;
  // What --format (a projection) or --uri asked for; the printers point to it.
  std::unique_ptr<Projection> projection_;
};

/// Parses "k=v,k2=v2" (a value may be empty). 400 naming `flag` when a pair has no '='.
compute::Result<compute::Labels> ParseKeyValues(const std::string& flag, const std::string& text);

/// The items of a gcloud list flag: separated by commas, or by DELIM when
/// the text starts with gcloud's `^DELIM^` (`^;^a=1,2;b=3`). Empty items
/// are dropped.
std::vector<std::string> SplitFlagList(const std::string& text);

/// A disk size as gcloud takes it: `10`, `10GB`, `200GB`, `1TB`, `2048MB`
/// (no unit: GB; KB, MB, GB, TB, case-insensitive, 1024-based) -> whole
/// GB. 400 naming `flag` for anything else, 0, or a size that is not whole GB.
compute::Result<int64_t> ParseSizeGb(const std::string& flag, const std::string& text);

}  // namespace imago::cli

#endif  // IMAGO_CLI_CONTEXT_H_
