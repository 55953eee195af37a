// A client of Vault's KV version 2 secrets engine over its HTTP API: just
// the read (GET /v1/MOUNT/data/PATH?version=N with X-Vault-Token), the one
// call a deploy needs. Works with OpenBao too (the same API).
#ifndef IMAGO_SECRETS_VAULT_KV2_H_
#define IMAGO_SECRETS_VAULT_KV2_H_

#include <map>
#include <string>

#include "base/status.h"

namespace imago::secrets {

/// One version of one KV v2 secret: its fields (.data.data; a field that is
/// not a string is kept as its JSON text) and its version.
struct VaultSecret {
  std::map<std::string, std::string> data;
  int version = 0;
};

class VaultKv2 {
 public:
  /// `addr` as VAULT_ADDR gives it (http://127.0.0.1:8200); `token` is sent
  /// as X-Vault-Token, `ns` (VAULT_NAMESPACE, may be empty) as
  /// X-Vault-Namespace. Neither is ever put in a message.
  VaultKv2(std::string addr, std::string token, std::string ns = "");
  VaultKv2(const VaultKv2&) = delete;
  VaultKv2& operator=(const VaultKv2&) = delete;

  /// Reads MOUNT/data/PATH at `version` (0: the latest). Failures are one
  /// line naming the secret's path, never a value: 503 when Vault does not
  /// answer, 403 when it refuses the token, 404 when there is no such
  /// secret or version (or it was deleted or destroyed), 500 for an answer
  /// that is not KV v2's.
  base::Result<VaultSecret> Read(const std::string& mount, const std::string& path, int version);

 private:
  std::string addr_, token_, ns_;
};

}  // namespace imago::secrets

#endif  // IMAGO_SECRETS_VAULT_KV2_H_
