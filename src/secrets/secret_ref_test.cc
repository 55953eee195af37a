#include "secrets/secret_ref.h"

#include <gtest/gtest.h>

namespace imago::secrets {
namespace {

TEST(SecretRef, VaultWithVersion) {
  auto r = ParseSecretRef("vault:secret/data/app/db?version=3#password");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->backend, Backend::kVault);
  EXPECT_EQ(r->mount, "secret");
  EXPECT_EQ(r->path, "app/db");
  EXPECT_EQ(r->key, "password");
  EXPECT_EQ(r->version, 3);
}

TEST(SecretRef, VaultLatestOnANestedMount) {
  auto r = ParseSecretRef("vault:team/kv/data/app#token");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->mount, "team/kv");
  EXPECT_EQ(r->path, "app");
  EXPECT_EQ(r->version, 0);
}

TEST(SecretRef, VaultCliPathIsExplained) {
  auto r = ParseSecretRef("vault:secret/app#password");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("MOUNT/data/PATH"), std::string::npos)
      << r.status().message();
  EXPECT_FALSE(ParseSecretRef("vault:secret/data/app").ok());  // No field.
  EXPECT_FALSE(ParseSecretRef("vault:secret/data/app?v=2#k").ok());
  EXPECT_FALSE(ParseSecretRef("vault:secret/data/../x#k").ok());
}

TEST(SecretRef, FileAndEnv) {
  auto f = ParseSecretRef("file:secrets/dev.yaml#db");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->backend, Backend::kFile);
  EXPECT_EQ(f->path, "secrets/dev.yaml");
  EXPECT_EQ(f->key, "db");
  auto whole = ParseSecretRef("file:/run/keys/tls.pem");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->key, "");
  auto e = ParseSecretRef("env:DB_PASSWORD");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->path, "DB_PASSWORD");
  EXPECT_FALSE(ParseSecretRef("env:1X").ok());
  EXPECT_FALSE(ParseSecretRef("env:").ok());
  EXPECT_FALSE(ParseSecretRef("file:#k").ok());
}

TEST(SecretRef, AValueWrittenInsteadOfAReferenceIsNotEchoed) {
  for (const char* value : {"hunter2-s3cret", "p4ss:w0rd-s3cret"}) {
    auto r = ParseSecretRef(value);
    ASSERT_FALSE(r.ok()) << value;
    EXPECT_EQ(r.status().message().find("s3cret"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace imago::secrets
