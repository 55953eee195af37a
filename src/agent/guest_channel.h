// GuestChannel: how imago reaches into a machine it is building, to run
// commands, upload and download files. AgentChannel speaks to
// imago-guest-agent (src/agent/protocol.h) over TCP.
#ifndef IMAGO_AGENT_GUEST_CHANNEL_H_
#define IMAGO_AGENT_GUEST_CHANNEL_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "base/status.h"

namespace imago::agent {

/// Receives a command's output as it comes: `is_stderr` says which stream.
using OutputFn = std::function<void(bool is_stderr, const std::string& chunk)>;

class GuestChannel {
 public:
  virtual ~GuestChannel() = default;

  /// Waits until the guest answers, at most `timeout`. `alive` is asked
  /// between attempts; when it returns a non-OK Status (the VM died) that is
  /// returned at once. 503 when the time is up.
  virtual base::Status WaitReady(std::chrono::milliseconds timeout,
                                 const std::function<base::Status()>& alive) = 0;

  /// Runs `command` with /bin/sh -c in the guest, with `env` added to its
  /// environment and `input` as its stdin. Output goes to `on_output` as it
  /// comes. Returns the exit code (128+N when killed by signal N); a non-OK
  /// Status only when the command could not be run or the channel broke.
  /// Setting `*cancel` (if given) ends the command (its process group is
  /// killed) and returns 503 "cancelled".
  virtual base::Result<int> Exec(const std::string& command,
                                 const std::map<std::string, std::string>& env,
                                 const std::string& input, const OutputFn& on_output,
                                 const std::atomic<bool>* cancel = nullptr) = 0;

  /// Writes `content` to `remote_path` (parents made) with `mode`, atomically
  /// (a temporary file renamed into place).
  virtual base::Status PutData(const std::string& content, const std::string& remote_path,
                               int mode) = 0;
  /// Uploads a local file (streamed, any size) with its mode.
  virtual base::Status PutFile(const std::string& local_path, const std::string& remote_path) = 0;
  /// Downloads `remote_path` into `local_path`.
  virtual base::Status GetFile(const std::string& remote_path, const std::string& local_path) = 0;
};

/// The channel to an imago-guest-agent at 127.0.0.1:`port` (the builder
/// VM's forwarded port) that expects `token`.
class AgentChannel final : public GuestChannel {
 public:
  AgentChannel(int port, std::string token) : port_(port), token_(std::move(token)) {}
  AgentChannel(const AgentChannel&) = delete;
  AgentChannel& operator=(const AgentChannel&) = delete;

  base::Status WaitReady(std::chrono::milliseconds timeout,
                         const std::function<base::Status()>& alive) override;
  base::Result<int> Exec(const std::string& command, const std::map<std::string, std::string>& env,
                         const std::string& input, const OutputFn& on_output,
                         const std::atomic<bool>* cancel = nullptr) override;
  base::Status PutData(const std::string& content, const std::string& remote_path,
                       int mode) override;
  base::Status PutFile(const std::string& local_path, const std::string& remote_path) override;
  base::Status GetFile(const std::string& remote_path, const std::string& local_path) override;

 private:
  /// A connected socket that has sent the hello line, or an error.
  base::Result<int> Connect();

  int port_;
  std::string token_;
  /// While probing (WaitReady): how long one answer may take. QEMU's user
  /// network holds a connection open while the guest is not yet up, so a
  /// probe without a limit could wait for seconds after the agent is up.
  std::chrono::milliseconds probe_timeout_{0};
};

}  // namespace imago::agent

#endif  // IMAGO_AGENT_GUEST_CHANNEL_H_
