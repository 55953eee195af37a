// A secret reference as an environment file writes it: where a value lives,
// never the value. `vault:secret/data/app#password` (Vault's KV v2, version
// pinned with ?version=N before the #), `file:PATH#key` (a YAML or JSON map
// in a file; the whole file without #key), `env:NAME` (imago's own
// environment). docs/secrets.md documents the forms.
#ifndef IMAGO_SECRETS_SECRET_REF_H_
#define IMAGO_SECRETS_SECRET_REF_H_

#include <string>

#include "base/status.h"

namespace imago::secrets {

enum class Backend { kVault, kFile, kEnv };

/// Where one secret lives.
struct SecretRef {
  Backend backend = Backend::kEnv;
  std::string text;   // As written, for messages (it holds no value).
  std::string mount;  // vault: the KV v2 mount ("secret").
  std::string path;   // vault: the path below MOUNT/data/; file: the file; env: the variable.
  std::string key;    // vault: the field (required); file: the map's key ("" : whole file).
  int version = 0;    // vault: 0 is the latest.
};

/// Parses `text`. 400 saying which form was expected (without echoing
/// `text` when it is no reference at all: it may be a value), e.g. for
/// `vault:secret/app#password`: KV v2 paths are MOUNT/data/PATH.
base::Result<SecretRef> ParseSecretRef(const std::string& text);

}  // namespace imago::secrets

#endif  // IMAGO_SECRETS_SECRET_REF_H_
