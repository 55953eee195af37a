// The REST router on a real LocalCloud, request by request, and the HTTP
// server on loopback with its token.
#include "server/rest_api.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "base/testing.h"
#include "server/http_server.h"
#include "testenv/test_cloud.h"

namespace imago::server {
namespace {

using nlohmann::json;

class RestApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cloud_ = testenv::OpenTestCloud({dir_.path() + "/home"});
    api_ = std::make_unique<RestApi>(*cloud_, "http://127.0.0.1:9/compute/v1/");
    std::string src = dir_.path() + "/v1.raw";
    base::WriteFile(src, 1 << 20, 1);
    auto r = Call("POST", "global/images",
                  json{{"name", "v1"}, {"family", "app"}, {"rawDisk", {{"source", src}}}}.dump());
    ASSERT_EQ(r.status, 200) << r.body.dump();
  }

  HttpResponse Call(const std::string& method, const std::string& path, std::string body = "",
                    std::map<std::string, std::string> query = {}) {
    HttpRequest req;
    req.method = method;
    req.path = "/compute/v1/projects/p/" + path;
    req.body = std::move(body);
    req.query = std::move(query);
    return api_->Handle(req);
  }

  static std::string Reason(const HttpResponse& r) {
    return r.body["error"]["errors"][0].value("reason", "");
  }

  base::TempDir dir_;
  std::unique_ptr<compute::Service> cloud_;
  std::unique_ptr<RestApi> api_;
};

TEST_F(RestApiTest, ImagesAndFamilies) {
  auto r = Call("GET", "global/images/family/app");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["name"], "v1");
  EXPECT_EQ(r.body["selfLink"], "http://127.0.0.1:9/compute/v1/projects/p/global/images/v1");
  EXPECT_TRUE(r.body["id"].is_string());  // int64 as strings.
  auto op =
      Call("POST", "global/images",
           json{{"name", "v2"}, {"family", "app"}, {"sourceImage", "global/images/v1"}}.dump());
  ASSERT_EQ(op.status, 200);
  EXPECT_EQ(op.body["kind"], "compute#operation");
  EXPECT_EQ(op.body["status"], "DONE");
  auto dep = Call("POST", "global/images/v2/deprecate", R"({"state":"DEPRECATED"})");
  ASSERT_EQ(dep.status, 200);
  EXPECT_EQ(Call("GET", "global/images/family/app").body["name"], "v1");
  ASSERT_EQ(Call("POST", "global/images/v2/deprecate", "").status, 200);  // Empty body: clear.
  EXPECT_EQ(Call("GET", "global/images/family/app").body["name"], "v2");
  auto list = Call("GET", "global/images", "", {{"maxResults", "1"}, {"$alt", "json"}});
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body["kind"], "compute#imageList");
  EXPECT_EQ(list.body["items"].size(), 1u);
  auto next = Call("GET", "global/images", "",
                   {{"maxResults", "1"}, {"pageToken", list.body["nextPageToken"]}});
  EXPECT_EQ(next.body["items"][0]["name"], "v2");
  EXPECT_FALSE(next.body.contains("nextPageToken"));
  auto labels = Call("GET", "global/images/v1").body["labelFingerprint"];
  auto set = Call("POST", "global/images/v1/setLabels",
                  json{{"labels", {{"env", "dev"}}}, {"labelFingerprint", labels}}.dump());
  EXPECT_EQ(set.status, 200);
  auto stale = Call("POST", "global/images/v1/setLabels",
                    json{{"labels", {{"env", "x"}}}, {"labelFingerprint", labels}}.dump());
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(Reason(stale), "conditionNotMet");
  auto patch = Call("PATCH", "global/images/v1", R"({"description":"patched"})");
  EXPECT_EQ(patch.status, 200);
  EXPECT_EQ(Call("GET", "global/images/v1").body["description"], "patched");
}

TEST_F(RestApiTest, ErrorsHaveGcesShape) {
  struct Case {
    std::string method, path, body;
    int status;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {"GET", "global/images/nope", "", 404, "notFound"},
           {"GET", "global/images/family/nope", "", 404, "notFound"},
           {"POST", "global/images", "{not json", 400, "invalid"},
           {"POST", "global/images", "[1,2]", 400, "invalid"},
           {"POST", "global/images", "", 400, "required"},
           {"POST", "global/images", R"({"name":"v1","sourceImage":"v1"})", 409, "alreadyExists"},
           {"POST", "global/images", R"({"name":5})", 400, "invalid"},
           {"POST", "global/images", R"({"name":"a","unknown":1})", 400, "invalid"},
           {"PATCH", "global/images/v1", R"({"labels":{}})", 400, "invalid"},
           {"GET", "global/nothing", "", 404, "notFound"},
           {"PUT", "global/images", "", 404, "notFound"},
           {"GET", "zones/mars-a/disks", "", 404, "notFound"},
           {"GET", "zones/local-a/instances/none", "", 404, "notFound"},
           {"POST", "zones/local-a/instances/none/detachDisk", "", 400, "required"},
           {"GET", "zones/local-a/instances/none/serialPort?x", "", 404, "notFound"},
       }) {
    auto r = Call(c.method, c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << " " << r.body.dump();
    EXPECT_EQ(Reason(r), c.reason) << c.method << " " << c.path;
    EXPECT_EQ(r.body["error"]["code"], c.status);
    EXPECT_TRUE(r.body["error"]["message"].is_string());
  }
  auto bad_max = Call("GET", "global/images", "", {{"maxResults", "many"}});
  EXPECT_EQ(bad_max.status, 400);
  auto bad_project =
      api_->Handle({"GET", "/compute/v1/projects/Bad_Project/global/images", {}, ""});
  EXPECT_EQ(bad_project.status, 400);
  EXPECT_EQ(api_->Handle({"GET", "/", {}, ""}).status, 404);
}

TEST_F(RestApiTest, RequestIdReplaysAndZoneOperations) {
  std::map<std::string, std::string> q = {{"requestId", "0b5d6f4e-7a3c-4e2d-9f1b-2c3d4e5f6a7b"}};
  std::string disk = R"({"name":"d1","sourceImage":"projects/p/global/images/family/app"})";
  auto a = Call("POST", "zones/local-a/disks", disk, q);
  auto b = Call("POST", "zones/local-a/disks", disk, q);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(a.body["name"], b.body["name"]);
  std::string op = a.body["name"];
  EXPECT_EQ(Call("GET", "zones/local-a/operations/" + op).status, 200);
  EXPECT_EQ(Call("POST", "zones/local-a/operations/" + op + "/wait").body["status"], "DONE");
  EXPECT_EQ(Call("GET", "global/operations/" + op).status, 404);
  EXPECT_EQ(Call("GET", "zones/local-a/disks").body["items"].size(), 1u);
  auto del = Call("DELETE", "zones/local-a/operations/" + op);
  EXPECT_EQ(del.status, 200);
  EXPECT_TRUE(del.body.is_null());
  EXPECT_EQ(Call("GET", "zones").body["items"].size(), 3u);
}

TEST(HttpServerTest, NeedsTheTokenAndLimitsBodies) {
  base::TempDir dir;
  struct {
    std::string home;
  } o{dir.path() + "/home"};
  auto cloud = testenv::OpenTestCloud({o.home});
  auto token = LoadOrCreateToken(o.home);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->size(), 64u);
  EXPECT_EQ(*LoadOrCreateToken(o.home), *token);  // Made once.
  struct stat st;
  ASSERT_EQ(stat((o.home + "/serve-token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ServeOptions opts;
  opts.port = 0;
  opts.token = *token;
  opts.max_body = 1 << 16;
  HttpServer http(opts);
  ASSERT_TRUE(http.Bind().ok());
  RestApi api(*cloud, "http://127.0.0.1:" + std::to_string(http.port()) + "/compute/v1/");
  std::thread t([&] { http.Run(api); });
  while (!http.running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  httplib::Client c("127.0.0.1", http.port());
  auto none = c.Get("/compute/v1/projects/p/global/images");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(json::parse(none->body)["error"]["code"], 401);
  auto wrong = c.Get("/compute/v1/projects/p/global/images",
                     {{"Authorization", "Bearer " + std::string(64, 'x')}});
  EXPECT_EQ(wrong->status, 401);
  httplib::Headers auth = {{"Authorization", "Bearer " + *token}};
  auto ok = c.Get("/compute/v1/projects/p/global/images", auth);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(json::parse(ok->body)["kind"], "compute#imageList");
  auto big = c.Post("/compute/v1/projects/p/global/images", auth, std::string(1 << 17, 'a'),
                    "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(json::parse(big->body)["error"]["code"], 413);
  http.Stop();
  t.join();
}

}  // namespace
}  // namespace imago::server
