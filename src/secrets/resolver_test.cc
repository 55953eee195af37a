#include "secrets/resolver.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "base/testing.h"
#include "testenv/fake_vault.h"

namespace imago::secrets {
namespace {

constexpr const char* kValue = "s3cret-value-7f3a";

std::vector<NamedRef> Refs(const std::map<std::string, std::string>& refs) {
  std::vector<NamedRef> out;
  for (const auto& [name, text] : refs) {
    auto r = ParseSecretRef(text);
    EXPECT_TRUE(r.ok()) << text;
    out.push_back({name, *r});
  }
  return out;
}

struct Env {
  std::map<std::string, std::string> vars;
  ResolverOptions Options(const std::string& dir = ".") {
    ResolverOptions o;
    o.getenv = [this](const char* n) -> const char* {
      auto it = vars.find(n);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
    o.base_dir = dir;
    return o;
  }
};

void ExpectNoValue(const base::Status& st) {
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message().find(kValue), std::string::npos) << st.message();
}

TEST(Resolve, EnvAndFileBackends) {
  base::TempDir dir;
  std::ofstream(dir.path() + "/dev.yaml") << "db: " << kValue << "\napi: other\n";
  std::ofstream(dir.path() + "/tls.pem") << "PEM\nLINES\n";
  Env e;
  e.vars["DB_USER"] = "app";
  auto v = Resolve(Refs({{"A_USER", "env:DB_USER"},
                         {"B_PASSWORD", "file:dev.yaml#db"},
                         {"C_TLS", "file:" + dir.path() + "/tls.pem"}}),
                   e.Options(dir.path()));
  ASSERT_TRUE(v.ok()) << v.status().message();
  ASSERT_EQ(v->size(), 3u);
  EXPECT_EQ((*v)[0], std::make_pair(std::string("A_USER"), std::string("app")));
  EXPECT_EQ((*v)[1].second, kValue);
  EXPECT_EQ((*v)[2].second, "PEM\nLINES\n");
}

TEST(Resolve, FailuresNameTheSecretAndTheReferenceNeverTheValue) {
  base::TempDir dir;
  std::ofstream(dir.path() + "/dev.yaml") << "db: " << kValue << "\n";
  std::ofstream(dir.path() + "/bad.yaml") << "db: [" << kValue << "\n";
  Env e;
  e.vars["EMPTY"] = "";
  for (const auto& [ref, why] : std::map<std::string, std::string>{
           {"env:MISSING", "is not set"},
           {"env:EMPTY", "empty"},
           {"file:dev.yaml#nope", "no key 'nope'"},
           {"file:absent.yaml#db", "cannot read"},
           {"file:bad.yaml#db", "not a YAML or JSON map"},
           {"vault:secret/data/app#password", "VAULT_ADDR is not set"}}) {
    auto v = Resolve(Refs({{"DB_PASSWORD", ref}}), e.Options(dir.path()));
    ASSERT_FALSE(v.ok()) << ref;
    const std::string& m = v.status().message();
    EXPECT_NE(m.find("secret DB_PASSWORD (" + ref + ")"), std::string::npos) << m;
    EXPECT_NE(m.find(why), std::string::npos) << m;
    ExpectNoValue(v.status());
  }
}

TEST(Resolve, VaultKv2ThroughAFakeVault) {
  testenv::FakeVault vault("root-token");
  ASSERT_GT(vault.port(), 0);
  vault.Write("secret/app", {{"password", "old-password"}, {"user", "app"}});
  vault.Write("secret/app", {{"password", kValue}, {"user", "app"}});
  Env e;
  e.vars["VAULT_ADDR"] = vault.addr();
  e.vars["VAULT_TOKEN"] = "root-token";
  auto v = Resolve(Refs({{"A", "vault:secret/data/app#password"},
                         {"B", "vault:secret/data/app?version=1#password"},
                         {"C", "vault:secret/data/app#user"}}),
                   e.Options());
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ((*v)[0].second, kValue);          // The latest.
  EXPECT_EQ((*v)[1].second, "old-password");  // Pinned.
  EXPECT_EQ((*v)[2].second, "app");
  EXPECT_EQ(vault.reads(), 2);  // Latest once (two fields), version 1 once.

  auto missing = Resolve(Refs({{"A", "vault:secret/data/app#nope"}}), e.Options());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("has no field 'nope' (it has: password, user)"),
            std::string::npos)
      << missing.status().message();
  ExpectNoValue(missing.status());
  auto gone = Resolve(Refs({{"A", "vault:secret/data/other#k"}}), e.Options());
  EXPECT_EQ(gone.status().code(), base::Code::kNotFound) << gone.status().message();
  auto old = Resolve(Refs({{"A", "vault:secret/data/app?version=9#password"}}), e.Options());
  EXPECT_EQ(old.status().code(), base::Code::kNotFound) << old.status().message();

  e.vars["VAULT_TOKEN"] = "wrong-token";
  auto refused = Resolve(Refs({{"A", "vault:secret/data/app#password"}}), e.Options());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), base::Code::kForbidden);
  EXPECT_NE(refused.status().message().find("check VAULT_TOKEN"), std::string::npos);
  EXPECT_EQ(refused.status().message().find("wrong-token"), std::string::npos);
}

TEST(Resolve, VaultThatDoesNotAnswer) {
  int port = 0;
  {
    testenv::FakeVault gone("t");
    port = gone.port();
  }
  Env e;
  e.vars["VAULT_ADDR"] = "http://127.0.0.1:" + std::to_string(port);
  e.vars["VAULT_TOKEN"] = "t";
  auto v = Resolve(Refs({{"A", "vault:secret/data/app#k"}}), e.Options());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), base::Code::kUnavailable) << v.status().message();
  EXPECT_NE(v.status().message().find("did not answer"), std::string::npos);
}

}  // namespace
}  // namespace imago::secrets
