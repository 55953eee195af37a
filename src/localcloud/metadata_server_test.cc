#include "localcloud/metadata_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

namespace imago::localcloud {
namespace {

compute::Instance TestInstance() {
  compute::Instance in;
  in.id = 1234567890123456789ULL;
  in.name = "web-1";
  in.zone = "https://www.googleapis.com/compute/v1/projects/p/zones/local-a";
  in.machine_type =
      "https://www.googleapis.com/compute/v1/projects/p/zones/local-a/machineTypes/e2-micro";
  in.metadata.items = {{"startup-script", "#!/bin/sh\necho hi\n"}, {"env", "dev"}, {"empty", ""}};
  compute::NetworkInterface nic;
  nic.network_ip = "10.128.0.7";
  in.network_interfaces = {nic};
  return in;
}

MetadataResponse Get(const std::string& path, bool flavor = true,
                     std::map<std::string, std::string> query = {}) {
  MetadataRequest req;
  req.method = "GET";
  req.path = path;
  req.query = std::move(query);
  if (flavor) req.headers["metadata-flavor"] = "Google";
  return AnswerMetadata(req, TestInstance(), "p");
}

TEST(MetadataServerTest, AnswersTheGcePaths) {
  auto r = Get("/computeMetadata/v1/instance/attributes/startup-script");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "#!/bin/sh\necho hi\n");
  EXPECT_EQ(Get("/computeMetadata/v1/instance/attributes/env").body, "dev");
  auto empty = Get("/computeMetadata/v1/instance/attributes/empty");
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, "");
  EXPECT_EQ(Get("/computeMetadata/v1/instance/attributes/nope").status, 404);
  EXPECT_EQ(Get("/computeMetadata/v1/instance/attributes/").body, "empty\nenv\nstartup-script\n");
  EXPECT_EQ(Get("/computeMetadata/v1/instance/name").body, "web-1");
  EXPECT_EQ(Get("/computeMetadata/v1/instance/id").body, "1234567890123456789");
  EXPECT_EQ(Get("/computeMetadata/v1/instance/hostname").body, "web-1.local-a.c.p.internal");
  EXPECT_NE(Get("/computeMetadata/v1/instance/zone").body.find("/zones/local-a"),
            std::string::npos);
  // The instance's address on the project's network, as a guest learns it.
  EXPECT_EQ(Get("/computeMetadata/v1/instance/network-interfaces/0/ip").body, "10.128.0.7");
  EXPECT_EQ(Get("/computeMetadata/v1/instance/network-interfaces/0/subnetmask").body,
            "255.255.240.0");
  EXPECT_EQ(Get("/computeMetadata/v1/instance/network-interfaces/0/mac").body, "42:01:0a:80:00:07");
  EXPECT_EQ(Get("/computeMetadata/v1/project/project-id").body, "p");
  EXPECT_EQ(Get("/computeMetadata/v1/project/attributes/x").status, 404);
  compute::Metadata common;
  common.items = {{"imago-config-web-dev-3", "APP_ENV=dev"}};
  MetadataRequest req;
  req.method = "GET";
  req.headers["metadata-flavor"] = "Google";
  req.path = "/computeMetadata/v1/project/attributes/imago-config-web-dev-3";
  EXPECT_EQ(AnswerMetadata(req, TestInstance(), "p", common).body, "APP_ENV=dev");
  req.path = "/computeMetadata/v1/project/attributes/";
  EXPECT_EQ(AnswerMetadata(req, TestInstance(), "p", common).body, "imago-config-web-dev-3\n");
  EXPECT_EQ(Get("/computeMetadata/v1/instance/attributes").status, 301);
}

TEST(MetadataServerTest, TheInstancesOwnHostnameAndTags) {
  compute::Instance in = TestInstance();
  in.extra["hostname"] = "web-1.example.com";
  in.extra["tags"] = {{"items", {"http-server", "db"}}};
  MetadataRequest req;
  req.method = "GET";
  req.headers["metadata-flavor"] = "Google";
  req.path = "/computeMetadata/v1/instance/hostname";
  EXPECT_EQ(AnswerMetadata(req, in, "p").body, "web-1.example.com");
  req.path = "/computeMetadata/v1/instance/tags";
  req.query["alt"] = "json";
  EXPECT_EQ(nlohmann::json::parse(AnswerMetadata(req, in, "p").body),
            nlohmann::json::parse(R"(["http-server","db"])"));
}

TEST(MetadataServerTest, NeedsTheFlavorHeader) {
  auto r = Get("/computeMetadata/v1/instance/name", false);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("Metadata-Flavor"), std::string::npos);
  MetadataRequest req;
  req.method = "GET";
  req.path = "/computeMetadata/v1/instance/name";
  req.headers["metadata-flavor"] = "Google";
  req.headers["x-forwarded-for"] = "1.2.3.4";
  EXPECT_EQ(AnswerMetadata(req, TestInstance(), "p").status, 403);
}

TEST(MetadataServerTest, RecursiveJsonAndEtags) {
  auto r = Get("/computeMetadata/v1/instance/", true, {{"recursive", "true"}});
  EXPECT_EQ(r.content_type, "application/json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["attributes"]["env"], "dev");
  EXPECT_EQ(j["name"], "web-1");
  auto a = Get("/computeMetadata/v1/instance/attributes/env");
  auto b = Get("/computeMetadata/v1/instance/attributes/startup-script");
  EXPECT_FALSE(a.etag.empty());
  EXPECT_NE(a.etag, b.etag);
  EXPECT_EQ(a.etag, Get("/computeMetadata/v1/instance/attributes/env").etag);
}

// A guest's bytes are not trusted: bad escapes are refused, never decoded
// half (the old decoder threw on %zz and read %4z as 4), and numbers too big
// for an index are a 404, not an exception.
TEST(MetadataServerTest, MalformedRequestsAreRefused) {
  std::string out;
  EXPECT_FALSE(UrlDecode("%zz", &out));
  EXPECT_FALSE(UrlDecode("%4z", &out));
  EXPECT_FALSE(UrlDecode("abc%4", &out));
  EXPECT_FALSE(UrlDecode("%", &out));
  ASSERT_TRUE(UrlDecode("a%2Fb+c%41", &out));
  EXPECT_EQ(out, "a/b cA");
  EXPECT_EQ(Get("/computeMetadata/v1/instance/attributes/%zz").status, 400);
  EXPECT_EQ(Get("/computeMetadata/v1/instance/attributes/%4z").status, 400);
  EXPECT_EQ(
      Get("/computeMetadata/v1/instance/network-interfaces/99999999999999999999999/ip").status,
      404);
  MetadataRequest req;
  EXPECT_FALSE(ParseRequestHead("GET /x?a=%zz HTTP/1.1\r\nMetadata-Flavor: Google", &req));
  EXPECT_FALSE(ParseRequestHead("nonsense", &req));
  EXPECT_FALSE(ParseRequestHead(" / HTTP/1.1", &req));
  EXPECT_FALSE(ParseRequestHead(std::string(kMaxMetadataRequest + 1, 'G'), &req));
  ASSERT_TRUE(
      ParseRequestHead("GET /computeMetadata/v1/?recursive=true&alt=json HTTP/1.1\r\n"
                       "Metadata-Flavor: Google\r\nX-Other:  v",
                       &req));
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.path, "/computeMetadata/v1/");
  EXPECT_EQ(req.query["recursive"], "true");
  EXPECT_EQ(req.headers["metadata-flavor"], "Google");
  EXPECT_EQ(req.headers["x-other"], "v");
}

// Serves `request` on pipes (the writer closed after it) and returns what
// was written back.
std::string Serve(const std::string& request) {
  int in[2], out[2];
  EXPECT_EQ(pipe(in), 0);
  EXPECT_EQ(pipe(out), 0);
  EXPECT_EQ(write(in[1], request.data(), request.size()), static_cast<ssize_t>(request.size()));
  close(in[1]);
  ServeMetadataConnection(
      in[0], out[1], [] { return compute::Result<compute::Instance>(TestInstance()); }, "p");
  close(out[1]);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) got.append(buf, n);
  close(in[0]);
  close(out[0]);
  return got;
}

TEST(MetadataServerTest, ServesAConnectionWithHeaders) {
  std::string got = Serve(
      "GET /computeMetadata/v1/instance/attributes/env HTTP/1.1\r\nHost: 169.254.169.254\r\n"
      "Metadata-Flavor: Google\r\n\r\n"
      "GET /computeMetadata/v1/instance/name HTTP/1.1\r\nMetadata-Flavor: Google\r\n"
      "Connection: close\r\n\r\n");
  EXPECT_EQ(got.find("HTTP/1.1 200 OK\r\n"), 0u);
  EXPECT_NE(got.find("Metadata-Flavor: Google\r\n"), std::string::npos);
  EXPECT_NE(got.find("\r\n\r\ndev"), std::string::npos);
  EXPECT_NE(got.find("\r\n\r\nweb-1"), std::string::npos);  // Keep-alive: both answered.
}

TEST(MetadataServerTest, AHangingGetEndsWhenNobodyWaits) {
  std::string first = Serve(
      "GET /computeMetadata/v1/instance/attributes/ HTTP/1.1\r\nMetadata-Flavor: Google\r\n"
      "Connection: close\r\n\r\n");
  auto at = first.find("ETag: ");
  ASSERT_NE(at, std::string::npos) << first;
  std::string etag = first.substr(at + 6, first.find("\r\n", at) - at - 6);
  // Nothing changes, and the client is gone (its end of the connection
  // closed): no answer is written, where one would come after timeout_sec.
  std::string got = Serve(
      "GET /computeMetadata/v1/instance/attributes/?wait_for_change=true"
      "&timeout_sec=2&last_etag=" +
      etag + " HTTP/1.1\r\nMetadata-Flavor: Google\r\n\r\n");
  EXPECT_EQ(got, "");
}

}  // namespace
}  // namespace imago::localcloud
