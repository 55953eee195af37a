// Resolving an environment's secret references into values, at deploy, in
// imago's own process: nothing is spawned, so a value is never on a command
// line, and no message carries one (each names the secret and its
// reference instead).
#ifndef IMAGO_SECRETS_RESOLVER_H_
#define IMAGO_SECRETS_RESOLVER_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "secrets/secret_ref.h"

namespace imago::secrets {

/// A secret as an environment file names it: NAME: REFERENCE.
struct NamedRef {
  std::string name;
  SecretRef ref;
};

/// NAME and value, in the order the file gives them.
using Values = std::vector<std::pair<std::string, std::string>>;

/// Where a resolver looks: the process environment (for env: and for
/// VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE) and the directory that
/// relative file: paths start from (the environment file's).
struct ResolverOptions {
  std::function<const char*(const char*)> getenv = ::getenv;
  std::string base_dir = ".";
};

/// Resolves every reference, each backend as its docs say: env: reads the
/// variable; file: reads the file whole, or the key of its YAML/JSON map;
/// vault: reads the field of the KV v2 secret (the version pinned, or the
/// latest). The first failure ends it: 400/403/404/503, one line
/// "secret NAME (REFERENCE): WHY", never a value. An empty value is refused
/// (a variable set to nothing is nearly always a mistake).
base::Result<Values> Resolve(const std::vector<NamedRef>& refs, const ResolverOptions& opts = {});

}  // namespace imago::secrets

#endif  // IMAGO_SECRETS_RESOLVER_H_
