// Credentials against a loopback FAKE token endpoint (Google's cannot be
// reached here): the service account's JWT is checked with OpenSSL against
// the public half of the key, the refresh-token exchange is checked, tokens
// are cached and renewed before they expire, and every bad credential gives
// one line naming the credential and the reason.
#include "gce/credentials.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "base/testing.h"

namespace imago::gce {
namespace {

using nlohmann::json;

std::string B64UrlDecode(std::string s) {
  for (char& c : s) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (s.size() % 4) s += '=';
  std::string out(s.size(), '\0');
  int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  out.resize(n - std::count(s.end() - 2, s.end(), '='));
  return out;
}

/// A FAKE OAuth token endpoint on loopback: verifies what it is sent and
/// answers {access_token, expires_in}.
class FakeTokenEndpoint {
 public:
  explicit FakeTokenEndpoint(EVP_PKEY* public_key) : key_(public_key) {
    server_.Post("/token", [this](const httplib::Request& req, httplib::Response& res) {
      ++calls_;
      last_form_ = req.body;
      std::string grant = req.get_param_value("grant_type");
      if (grant == "urn:ietf:params:oauth:grant-type:jwt-bearer") {
        std::string why = Verify(req.get_param_value("assertion"));
        if (!why.empty()) {
          res.status = 400;
          res.set_content(json{{"error", "invalid_grant"}, {"error_description", why}}.dump(),
                          "application/json");
          return;
        }
      } else if (grant != "refresh_token" || req.get_param_value("refresh_token") != "r-token") {
        res.status = 400;
        res.set_content(R"({"error":"invalid_grant","error_description":"Bad Request"})",
                        "application/json");
        return;
      }
      res.set_content(json{{"access_token", "ya29.fake-" + std::to_string(calls_)},
                           {"expires_in", expires_in_},
                           {"token_type", "Bearer"}}
                          .dump(),
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the loop runs would be lost and join() would hang.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeTokenEndpoint() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/token"; }
  int calls() const { return calls_; }
  json last_claims;
  int expires_in_ = 3600;

 private:
  // Checks the JWT's RS256 signature with the public key and its claims.
  std::string Verify(const std::string& jwt) {
    size_t a = jwt.find('.'), b = jwt.rfind('.');
    if (a == std::string::npos || a == b) return "not a JWT";
    std::string input = jwt.substr(0, b);
    std::string sig = B64UrlDecode(jwt.substr(b + 1));
    json header = json::parse(B64UrlDecode(jwt.substr(0, a)), nullptr, false);
    last_claims = json::parse(B64UrlDecode(jwt.substr(a + 1, b - a - 1)), nullptr, false);
    if (!header.is_object() || header.value("alg", "") != "RS256") return "alg is not RS256";
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok =
        EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key_) == 1 &&
        EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) return "bad signature";
    if (last_claims.value("aud", "") != url()) return "wrong aud";
    if (last_claims.value("exp", 0) - last_claims.value("iat", 0) != 3600) return "wrong exp";
    return "";
  }

  EVP_PKEY* key_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> calls_{0};
  std::string last_form_;
};

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = EVP_RSA_gen(2048);
    ASSERT_NE(key_, nullptr);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key_, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    pem_.assign(data, n);
    BIO_free(bio);
    fake_ = std::make_unique<FakeTokenEndpoint>(key_);
    transport_ = std::make_shared<CurlTransport>();
  }
  void TearDown() override {
    transport_.reset();  // Closes its kept-alive connection to the fake first.
    fake_.reset();
    EVP_PKEY_free(key_);
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  json SaKey() const {
    return {{"type", "service_account"},
            {"client_email", "ci@p.iam.gserviceaccount.com"},
            {"private_key_id", "k1"},
            {"private_key", pem_},
            {"token_uri", fake_->url()}};
  }
  CredentialSources Sources(const std::string& file) {
    CredentialSources s;
    s.application_credentials = file;
    return s;
  }

  base::TempDir dir_;
  EVP_PKEY* key_ = nullptr;
  std::string pem_;
  std::unique_ptr<FakeTokenEndpoint> fake_;
  std::shared_ptr<HttpTransport> transport_;
};

TEST_F(CredentialsTest, ServiceAccountJwtIsSignedAndExchanged) {
  auto creds = FindCredentials(Sources(Write("sa.json", SaKey().dump())), transport_);
  ASSERT_TRUE(creds.ok()) << creds.status().message();
  EXPECT_EQ((*creds)->Describe(),
            "service account ci@p.iam.gserviceaccount.com (key " + dir_.path() + "/sa.json)");
  auto token = (*creds)->Token(false);
  ASSERT_TRUE(token.ok()) << token.status().message();
  EXPECT_EQ(*token, "ya29.fake-1");
  EXPECT_EQ(fake_->last_claims["iss"], "ci@p.iam.gserviceaccount.com");
  EXPECT_EQ(fake_->last_claims["scope"], "https://www.googleapis.com/auth/compute");
  // Cached: no second exchange; a refresh forces one.
  EXPECT_EQ(*(*creds)->Token(false), "ya29.fake-1");
  EXPECT_EQ(fake_->calls(), 1);
  EXPECT_EQ(*(*creds)->Token(true), "ya29.fake-2");
}

TEST_F(CredentialsTest, TokensAreRenewedBeforeTheyExpire) {
  fake_->expires_in_ = 30;  // Inside the one-minute margin: renewed on every use.
  auto creds = FindCredentials(Sources(Write("sa.json", SaKey().dump())), transport_);
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(*(*creds)->Token(false), "ya29.fake-1");
  EXPECT_EQ(*(*creds)->Token(false), "ya29.fake-2");
}

TEST_F(CredentialsTest, AuthorizedUserRefreshToken) {
  json user = {{"type", "authorized_user"},
               {"client_id", "c"},
               {"client_secret", "s"},
               {"refresh_token", "r-token"},
               {"token_uri", fake_->url()}};
  CredentialSources s;
  s.gcloud_adc_file = Write("adc.json", user.dump());
  auto creds = FindCredentials(s, transport_);
  ASSERT_TRUE(creds.ok()) << creds.status().message();
  EXPECT_EQ(*(*creds)->Token(false), "ya29.fake-1");
  user["refresh_token"] = "revoked";
  s.gcloud_adc_file = Write("adc2.json", user.dump());
  auto bad = FindCredentials(s, transport_);
  ASSERT_TRUE(bad.ok());
  auto refused = (*bad)->Token(false);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("adc2.json"), std::string::npos);
  EXPECT_NE(refused.status().message().find("HTTP 400"), std::string::npos);
}

TEST_F(CredentialsTest, BadCredentialsSayWhichAndWhy) {
  struct Case {
    std::string file, text, expect;
  };
  json no_email = SaKey();
  no_email.erase("client_email");
  json bad_pem = SaKey();
  bad_pem["private_key"] = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n";
  json wrong_type = SaKey();
  wrong_type["type"] = "external_account";
  json wrong_aud = SaKey();
  wrong_aud["token_uri"] = fake_->url() + "?x";  // The fake checks aud == its URL.
  for (const Case& c : std::vector<Case>{
           {"missing.json", "", "cannot be read"},
           {"garbage.json", "{not json", "is not a JSON object"},
           {"no-email.json", no_email.dump(), "has no client_email"},
           {"bad-pem.json", bad_pem.dump(), "is not a PEM private key"},
           {"type.json", wrong_type.dump(), "has type 'external_account'"},
       }) {
    std::string path = c.text.empty() ? dir_.path() + "/" + c.file : Write(c.file, c.text);
    auto creds = FindCredentials(Sources(path), transport_);
    ASSERT_FALSE(creds.ok()) << c.file;
    EXPECT_EQ(creds.status().code(), compute::Code::kUnauthorized);
    EXPECT_NE(creds.status().message().find(c.expect), std::string::npos)
        << c.file << ": " << creds.status().message();
    EXPECT_NE(creds.status().message().find(c.file), std::string::npos) << c.file;
    EXPECT_EQ(creds.status().message().find('\n'), std::string::npos);
    EXPECT_EQ(creds.status().message().find("BEGIN"), std::string::npos);  // No secret printed.
  }
  auto refused = FindCredentials(Sources(Write("aud.json", wrong_aud.dump())), transport_);
  ASSERT_TRUE(refused.ok());
  auto token = (*refused)->Token(false);
  ASSERT_FALSE(token.ok());
  EXPECT_NE(token.status().message().find("refused it: HTTP 400"), std::string::npos)
      << token.status().message();
  auto none = FindCredentials(CredentialSources{}, transport_);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no credentials"), std::string::npos);
}

TEST_F(CredentialsTest, AnAccessTokenComesFirst) {
  CredentialSources s = Sources(Write("sa.json", SaKey().dump()));
  s.access_token = "given";
  s.access_token_source = "--access-token";
  auto creds = FindCredentials(s, transport_);
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(*(*creds)->Token(false), "given");
  EXPECT_EQ(fake_->calls(), 0);
  EXPECT_FALSE((*creds)->Token(true).ok());  // Cannot be refreshed.
}

}  // namespace
}  // namespace imago::gce
