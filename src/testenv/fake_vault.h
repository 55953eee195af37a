// FakeVault: a FAKE of HashiCorp Vault's KV version 2 HTTP API, for tests
// only (Vault is not in Debian, and no test may reach the network). It
// answers what imago uses and what a test needs to set up, as Vault's API
// docs describe them: GET and POST /v1/MOUNT/data/PATH (?version=N), the
// X-Vault-Token check (403 {"errors":["permission denied"]}), the response
// envelope with .data.data and .data.metadata.version. Nothing else: no
// auth methods, no leases, no policies beyond one token.
#ifndef IMAGO_TESTENV_FAKE_VAULT_H_
#define IMAGO_TESTENV_FAKE_VAULT_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace imago::testenv {

class FakeVault {
 public:
  /// Listens on 127.0.0.1 (`port` 0: any free port) and accepts `token`.
  explicit FakeVault(std::string token, int port = 0);
  ~FakeVault();
  FakeVault(const FakeVault&) = delete;
  FakeVault& operator=(const FakeVault&) = delete;

  /// http://127.0.0.1:PORT, as VAULT_ADDR.
  std::string addr() const;
  int port() const { return port_; }

  /// Adds a version of MOUNT/data/PATH with these fields; returns its number.
  int Write(const std::string& mount_and_path, const std::map<std::string, std::string>& data);

  /// How many reads were answered (any status).
  int reads() const { return reads_; }

  /// Blocks until Stop() (from another thread or a signal handler's flag).
  void Wait();
  void Stop();

 private:
  std::string token_;
  int port_ = 0;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  std::mutex mu_;
  /// MOUNT/PATH -> versions, oldest first.
  std::map<std::string, std::vector<std::map<std::string, std::string>>> kv_;
  std::atomic<int> reads_{0};
};

}  // namespace imago::testenv

#endif  // IMAGO_TESTENV_FAKE_VAULT_H_
