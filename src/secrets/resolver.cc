#include "secrets/resolver.h"

#include <filesystem>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "base/file_util.h"
#include "secrets/vault_kv2.h"

namespace imago::secrets {

using base::Result;
using base::Status;

namespace {

Result<std::string> FromFile(const SecretRef& r, const std::string& base_dir) {
  std::filesystem::path p = r.path;
  if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
  auto text = base::ReadFile(p.string());
  if (!text.ok()) return Status::NotFound("cannot read " + p.string());
  if (r.key.empty()) return *text;
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    // The mark only: yaml-cpp's message may quote the file.
    return Status::Invalid(
        fmt::format("{} is not a YAML or JSON map (line {})", p.string(), e.mark.line + 1));
  }
  if (!root.IsMap()) return Status::Invalid(p.string() + " is not a YAML or JSON map");
  YAML::Node v = root[r.key];
  if (!v.IsDefined()) return Status::NotFound(fmt::format("{} has no key '{}'", p.string(), r.key));
  if (!v.IsScalar()) {
    return Status::Invalid(fmt::format("the key '{}' of {} is not a string", r.key, p.string()));
  }
  return v.Scalar();
}

}  // namespace

Result<Values> Resolve(const std::vector<NamedRef>& refs, const ResolverOptions& opts) {
  Values out;
  std::unique_ptr<VaultKv2> vault;
  // One read per secret version, however many fields the file takes from it.
  std::map<std::string, VaultSecret> read;
  for (const NamedRef& n : refs) {
    const SecretRef& r = n.ref;
    auto fail = [&](const Status& why) {
      return Status(why.code(), fmt::format("secret {} ({}): {}", n.name, r.text, why.message()));
    };
    std::string value;
    switch (r.backend) {
      case Backend::kEnv: {
        const char* v = opts.getenv(r.path.c_str());
        if (!v) return fail(Status::NotFound("the variable " + r.path + " is not set"));
        value = v;
        break;
      }
      case Backend::kFile: {
        auto v = FromFile(r, opts.base_dir);
        if (!v.ok()) return fail(v.status());
        value = std::move(*v);
        break;
      }
      case Backend::kVault: {
        if (!vault) {
          const char* addr = opts.getenv("VAULT_ADDR");
          const char* token = opts.getenv("VAULT_TOKEN");
          const char* ns = opts.getenv("VAULT_NAMESPACE");
          if (!addr || !*addr) {
            return fail(Status::Invalid("VAULT_ADDR is not set (e.g. http://127.0.0.1:8200)"));
          }
          if (!token || !*token) return fail(Status::Invalid("VAULT_TOKEN is not set"));
          vault = std::make_unique<VaultKv2>(addr, token, ns ? ns : "");
        }
        std::string id = fmt::format("{}\n{}\n{}", r.mount, r.path, r.version);
        auto it = read.find(id);
        if (it == read.end()) {
          auto s = vault->Read(r.mount, r.path, r.version);
          if (!s.ok()) return fail(s.status());
          it = read.emplace(id, std::move(*s)).first;
        }
        auto field = it->second.data.find(r.key);
        if (field == it->second.data.end()) {
          std::string keys;
          for (const auto& [k, v] : it->second.data) keys += (keys.empty() ? "" : ", ") + k;
          return fail(Status::NotFound(
              fmt::format("the secret has no field '{}' (it has: {})", r.key, keys)));
        }
        value = field->second;
        break;
      }
    }
    if (value.empty()) return fail(Status::Invalid("the value is empty"));
    out.emplace_back(n.name, std::move(value));
  }
  return out;
}

}  // namespace imago::secrets
