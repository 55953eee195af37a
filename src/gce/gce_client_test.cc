// GceClient's answers to authentication and permission failures, against a
// FAKE Compute endpoint on loopback: an expired token is refreshed once and
// the call succeeds; a refused token or a 403 is one line naming the
// credential that was used, and is not retried.
#include "gce/gce_client.h"
#include "gce/http_transport.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

namespace imago::gce {
namespace {

/// Hands out "expired" until asked to refresh, then "fresh" (or, when
/// `always_bad`, "revoked" for ever).
class RotatingCredentials final : public Credentials {
 public:
  explicit RotatingCredentials(bool always_bad) : always_bad_(always_bad) {}
  compute::Result<std::string> Token(bool refresh) override {
    if (refresh) ++refreshes;
    if (always_bad_) return std::string("revoked");
    return std::string(refreshes > 0 ? "fresh" : "expired");
  }
  std::string Describe() const override { return "the test's rotating token"; }
  int refreshes = 0;

 private:
  bool always_bad_;
};

/// A FAKE of compute.googleapis.com for one image: 401 unless the token is
/// "fresh", 403 for project "forbidden", else the image.
class FakeComputeEndpoint {
 public:
  FakeComputeEndpoint() {
    server_.Get(R"(/compute/v1/projects/([^/]+)/global/images/([^/]+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  ++calls;
                  if (req.get_header_value("Authorization") != "Bearer fresh") {
                    return Error(res, 401, "unauthorized",
                                 "Request had invalid authentication credentials.");
                  }
                  if (req.matches[1] == "forbidden") {
                    return Error(res, 403, "forbidden",
                                 "Required 'compute.images.get' permission for "
                                 "'projects/forbidden/global/images/" +
                                     std::string(req.matches[2]) + "'");
                  }
                  res.set_content(R"({"kind": "compute#image", "name": ")" +
                                      std::string(req.matches[2]) +
                                      R"(", "status": "READY", "diskSizeGb": "1"})",
                                  "application/json");
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeComputeEndpoint() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/compute/v1/";
  }
  std::atomic<int> calls{0};

 private:
  static void Error(httplib::Response& res, int code, const std::string& reason,
                    const std::string& message) {
    res.status = code;
    nlohmann::json j = {
        {"error",
         {{"code", code},
          {"message", message},
          {"errors", {{{"reason", reason}, {"domain", "global"}, {"message", message}}}}}}};
    res.set_content(j.dump(), "application/json");
  }
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

GceClientOptions Options(const FakeComputeEndpoint& fake, std::shared_ptr<Credentials> creds) {
  GceClientOptions o;
  o.endpoint = fake.endpoint();
  o.credentials = std::move(creds);
  o.sleep = [](std::chrono::milliseconds) {};
  return o;
}

TEST(LogHttp, CredentialsAreRedacted) {
  EXPECT_EQ(RedactSecrets(R"({"access_token": "ya29.abc", "expires_in": 3599})"),
            R"({"access_token": "--- Token Redacted ---", "expires_in": 3599})");
  EXPECT_EQ(RedactSecrets("grant_type=urn%3Aietf&assertion=eyJhbGc.x.y&scope=a"),
            "grant_type=urn%3Aietf&assertion=--- Token Redacted ---&scope=a");
  EXPECT_EQ(
      RedactSecrets(R"({"refresh_token":"1//x","client_secret":"s"})"),
      R"({"refresh_token":"--- Token Redacted ---","client_secret":"--- Token Redacted ---"})");
  EXPECT_EQ(RedactSecrets(R"({"name": "image-v1"})"), R"({"name": "image-v1"})");
}

TEST(GceClientAuth, AnExpiredTokenIsRefreshedOnce) {
  FakeComputeEndpoint fake;
  auto creds = std::make_shared<RotatingCredentials>(false);
  GceClient client(Options(fake, creds));
  auto im = client.images().Get("p", "app-v1");
  ASSERT_TRUE(im.ok()) << im.status().message();
  EXPECT_EQ(im->name, "app-v1");
  EXPECT_EQ(creds->refreshes, 1);
  EXPECT_EQ(fake.calls, 2);
}

TEST(GceClientAuth, ARefusedTokenNamesTheCredentialAndStops) {
  FakeComputeEndpoint fake;
  auto creds = std::make_shared<RotatingCredentials>(true);
  GceClient client(Options(fake, creds));
  auto im = client.images().Get("p", "app-v1");
  ASSERT_FALSE(im.ok());
  EXPECT_EQ(im.status().code(), compute::Code::kUnauthorized);
  EXPECT_NE(im.status().message().find("invalid authentication credentials"), std::string::npos);
  EXPECT_NE(im.status().message().find("the test's rotating token"), std::string::npos);
  EXPECT_EQ(im.status().message().find("revoked"), std::string::npos);  // No secret printed.
  EXPECT_EQ(im.status().message().find('\n'), std::string::npos);
  EXPECT_EQ(fake.calls, 2);  // One refresh, then no more retries.
}

TEST(GceClientAuth, PermissionDeniedIsNotRetried) {
  FakeComputeEndpoint fake;
  auto creds = std::make_shared<RotatingCredentials>(false);
  creds->refreshes = 1;  // Already fresh.
  GceClient client(Options(fake, creds));
  auto im = client.images().Get("forbidden", "app-v1");
  ASSERT_FALSE(im.ok());
  EXPECT_EQ(im.status().code(), compute::Code::kForbidden);
  EXPECT_NE(im.status().message().find("Required 'compute.images.get' permission"),
            std::string::npos);
  EXPECT_NE(im.status().message().find("the test's rotating token"), std::string::npos);
  EXPECT_EQ(fake.calls, 1);
  EXPECT_EQ(client.stats().retries, 0);
}

}  // namespace
}  // namespace imago::gce
