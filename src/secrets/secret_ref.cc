#include "secrets/secret_ref.h"

#include <cctype>

namespace imago::secrets {

using base::Result;
using base::Status;

namespace {

constexpr const char* kForms =
    "expected vault:MOUNT/data/PATH#KEY, file:PATH[#KEY] or env:NAME (docs/secrets.md)";

bool AllDigits(const std::string& s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (!isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

Result<SecretRef> ParseVault(SecretRef r, std::string rest) {
  size_t hash = rest.find('#');
  if (hash == std::string::npos || hash + 1 == rest.size()) {
    return Status::Invalid("secret reference '" + r.text +
                           "': a Vault reference names the field after #, e.g. "
                           "vault:secret/data/app#password");
  }
  r.key = rest.substr(hash + 1);
  rest.resize(hash);
  if (size_t q = rest.find('?'); q != std::string::npos) {
    std::string query = rest.substr(q + 1);
    rest.resize(q);
    if (!query.starts_with("version=") || !AllDigits(query.substr(8))) {
      return Status::Invalid("secret reference '" + r.text +
                             "': the only query is ?version=N (a whole number)");
    }
    r.version = std::stoi(query.substr(8));
  }
  size_t data = rest.find("/data/");
  if (data == std::string::npos || data == 0 || data + 6 >= rest.size()) {
    return Status::Invalid("secret reference '" + r.text +
                           "': KV v2 paths are MOUNT/data/PATH (e.g. secret/data/app), as "
                           "Vault's HTTP API names them");
  }
  r.mount = rest.substr(0, data);
  r.path = rest.substr(data + 6);
  for (const std::string* part : {&r.mount, &r.path}) {
    if (part->find("..") != std::string::npos || part->front() == '/' || part->back() == '/') {
      return Status::Invalid("secret reference '" + r.text + "': not a Vault path");
    }
  }
  return r;
}

}  // namespace

Result<SecretRef> ParseSecretRef(const std::string& text) {
  SecretRef r;
  r.text = text;
  size_t colon = text.find(':');
  if (colon == std::string::npos) {
    // Not echoed: a value written where a reference belongs is a secret.
    return Status::Invalid(std::string("not a secret reference: ") + kForms);
  }
  std::string scheme = text.substr(0, colon);
  std::string rest = text.substr(colon + 1);
  if (scheme == "vault") {
    r.backend = Backend::kVault;
    return ParseVault(std::move(r), std::move(rest));
  }
  if (scheme == "file") {
    r.backend = Backend::kFile;
    size_t hash = rest.find('#');
    if (hash != std::string::npos) {
      r.key = rest.substr(hash + 1);
      rest.resize(hash);
      if (r.key.empty()) {
        return Status::Invalid("secret reference '" + text + "': nothing after #");
      }
    }
    if (rest.empty()) return Status::Invalid("secret reference '" + text + "': no file named");
    r.path = rest;
    return r;
  }
  if (scheme == "env") {
    r.backend = Backend::kEnv;
    bool ok = !rest.empty() && !isdigit(static_cast<unsigned char>(rest[0]));
    for (char c : rest) ok = ok && (isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ok) {
      return Status::Invalid("secret reference '" + text +
                             "': env: names a variable (letters, digits and _)");
    }
    r.path = rest;
    return r;
  }
  return Status::Invalid(std::string("not a secret reference (no such backend): ") + kForms);
}

}  // namespace imago::secrets
