// The REST router on a real LocalCloud, request by request, and the HTTP
// server on loopback with its token.
#include "server/rest_api.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <set>
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
  static std::string Message(const HttpResponse& r) { return r.body["error"].value("message", ""); }

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

  // What clients send to patch: gax every map empty, others the image back.
  auto gax = Call("PATCH", "global/images/v1", R"({"description":"gax","labels":{}})");
  EXPECT_EQ(gax.status, 200) << gax.body.dump();
  json whole = Call("GET", "global/images/v1").body;
  whole["family"] = "app2";
  auto rmw = Call("PATCH", "global/images/v1", whole.dump());
  EXPECT_EQ(rmw.status, 200) << rmw.body.dump();
  auto after = Call("GET", "global/images/v1").body;
  EXPECT_EQ(after["family"], "app2");
  EXPECT_EQ(after["description"], "gax");
  EXPECT_EQ(after["labels"], whole["labels"]);
  auto changes = Call("PATCH", "global/images/v1", R"({"labels":{"env":"prod"}})");
  EXPECT_EQ(changes.status, 400);
  EXPECT_NE(Message(changes).find("image.labels"), std::string::npos) << Message(changes);
  EXPECT_EQ(Call("GET", "global/images/v1").body["labels"], whole["labels"]);
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
           {"PATCH", "global/images/v1", R"({"labels":{"a":"b"}})", 400, "invalid"},
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
  EXPECT_EQ(del.body, json::object());  // What google-gax can decode.
  EXPECT_EQ(Call("GET", "zones").body["items"].size(), 3u);
}

// What clients call before anything else: regions, zones, machine types,
// the project, and the aggregated lists, in GCE's shapes.
TEST_F(RestApiTest, WhatClientsCallFirst) {
  auto regions = Call("GET", "regions");
  ASSERT_EQ(regions.status, 200) << regions.body.dump();
  EXPECT_EQ(regions.body["kind"], "compute#regionList");
  ASSERT_EQ(regions.body["items"].size(), 1u);
  auto region = Call("GET", "regions/local");
  ASSERT_EQ(region.status, 200);
  EXPECT_EQ(region.body["kind"], "compute#region");
  EXPECT_EQ(region.body["zones"].size(), 3u);
  EXPECT_EQ(region.body["zones"][0], "http://127.0.0.1:9/compute/v1/projects/p/zones/local-a");
  bool cpus = false;
  for (const auto& q : region.body["quotas"]) {
    if (q["metric"] == "CPUS") cpus = q["limit"].get<double>() >= 1;
  }
  EXPECT_TRUE(cpus) << region.body.dump();
  EXPECT_EQ(Call("GET", "regions/mars").status, 404);
  auto zone = Call("GET", "zones/local-b");
  ASSERT_EQ(zone.status, 200);
  EXPECT_EQ(zone.body["region"], "http://127.0.0.1:9/compute/v1/projects/p/regions/local");
  EXPECT_EQ(Call("GET", "zones/local-z").status, 404);

  auto types = Call("GET", "zones/local-a/machineTypes");
  ASSERT_EQ(types.status, 200);
  EXPECT_EQ(types.body["kind"], "compute#machineTypeList");
  bool micro = false;
  for (const auto& t : types.body["items"]) micro = micro || t["name"] == "e2-micro";
  EXPECT_TRUE(micro);
  auto micro_type = Call("GET", "zones/local-a/machineTypes/e2-micro");
  ASSERT_EQ(micro_type.status, 200);
  EXPECT_EQ(micro_type.body["guestCpus"], 1);
  EXPECT_EQ(micro_type.body["memoryMb"], 1024);
  EXPECT_EQ(micro_type.body["zone"], "local-a");
  EXPECT_EQ(Call("GET", "zones/local-a/machineTypes/custom-1-512").body["memoryMb"], 512);
  EXPECT_EQ(Call("GET", "zones/local-a/machineTypes/e2-huge").status, 404);
  auto agg_types = Call("GET", "aggregated/machineTypes");
  ASSERT_EQ(agg_types.status, 200);
  EXPECT_TRUE(agg_types.body["items"]["zones/local-c"].contains("machineTypes"));

  auto project = Call("GET", "");
  ASSERT_EQ(project.status, 200) << project.body.dump();
  EXPECT_EQ(project.body["kind"], "compute#project");
  EXPECT_EQ(project.body["name"], "p");
  EXPECT_EQ(project.body["commonInstanceMetadata"]["kind"], "compute#metadata");
  std::set<std::string> metrics;
  for (const auto& q : project.body["quotas"]) metrics.insert(q["metric"]);
  EXPECT_TRUE(metrics.count("CPUS_ALL_REGIONS") && metrics.count("IMAGES"));

  ASSERT_EQ(Call("POST", "zones/local-b/disks", R"({"name":"agg","sizeGb":"1"})").status, 200);
  auto disks = Call("GET", "aggregated/disks");
  ASSERT_EQ(disks.status, 200);
  EXPECT_EQ(disks.body["kind"], "compute#diskAggregatedList");
  EXPECT_EQ(disks.body["items"]["zones/local-b"]["disks"][0]["name"], "agg");
  EXPECT_EQ(disks.body["items"]["zones/local-a"]["warning"]["code"], "NO_RESULTS_ON_PAGE");
  auto instances = Call("GET", "aggregated/instances");
  ASSERT_EQ(instances.status, 200);
  EXPECT_EQ(instances.body["items"].size(), 3u);
  // Operations of every scope, a page at a time across them.
  std::set<std::string> scopes;
  std::string token;
  int pages = 0;
  do {
    std::map<std::string, std::string> q = {{"maxResults", "1"}};
    if (!token.empty()) q["pageToken"] = token;
    auto ops = Call("GET", "aggregated/operations", "", q);
    ASSERT_EQ(ops.status, 200) << ops.body.dump();
    for (const auto& [scope, entry] : ops.body["items"].items()) {
      if (entry.contains("operations")) scopes.insert(scope);
    }
    token = ops.body.value("nextPageToken", "");
  } while (!token.empty() && ++pages < 20);
  EXPECT_TRUE(scopes.count("global") && scopes.count("zones/local-b"));
}

// The `fields` parameter trims answers as GCE does; a bad one is a 400.
TEST_F(RestApiTest, FieldsGiveAPartialResponse) {
  auto list = Call("GET", "global/images", "", {{"fields", "items(name,family),kind"}});
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body, (json{{"kind", "compute#imageList"},
                             {"items", {{{"name", "v1"}, {"family", "app"}}}}}));
  auto one = Call("GET", "global/images/v1", "", {{"fields", "name,status"}});
  EXPECT_EQ(one.body, (json{{"name", "v1"}, {"status", "READY"}}));
  auto bad = Call("GET", "global/images", "", {{"fields", "items(name"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Reason(bad), "invalid");
  auto missing = Call("GET", "global/images/none", "", {{"fields", "name"}});
  EXPECT_EQ(missing.status, 404);  // Errors are never trimmed.
  EXPECT_EQ(missing.body["error"]["code"], 404);
}

// What Google's Node client sends for disks.insert (every map field, empty or
// not) is accepted; fields of the schema imago does not model are kept and
// returned; those it cannot honour are refused by name; unknown ones stay 400.
TEST_F(RestApiTest, TheWholeSchemaIsAccepted) {
  auto node = Call("POST", "zones/local-a/disks",
                   R"({"asyncSecondaryDisks":{},"labels":{},"name":"d1","sizeGb":"1"})");
  ASSERT_EQ(node.status, 200) << node.body.dump();
  auto rich = Call("POST", "zones/local-a/disks", R"({
    "name": "d2", "sizeGb": "1", "physicalBlockSizeBytes": "4096", "architecture": "X86_64",
    "guestOsFeatures": [{"type": "GVNIC"}], "resourcePolicies": [],
    "params": {"resourceManagerTags": {"tagKeys/1": "tagValues/2"}}, "satisfiesPzs": true})");
  ASSERT_EQ(rich.status, 200) << rich.body.dump();
  auto d2 = Call("GET", "zones/local-a/disks/d2");
  EXPECT_EQ(d2.body["physicalBlockSizeBytes"], "4096");
  EXPECT_EQ(d2.body["architecture"], "X86_64");
  EXPECT_EQ(d2.body["guestOsFeatures"][0]["type"], "GVNIC");
  EXPECT_FALSE(d2.body.contains("params"));        // Input only.
  EXPECT_FALSE(d2.body.contains("satisfiesPzs"));  // Output only: not the client's to set.
  auto keyed =
      Call("POST", "zones/local-a/disks", R"({"name":"d3","diskEncryptionKey":{"rawKey":"a2V5"}})");
  EXPECT_EQ(keyed.status, 400);
  EXPECT_NE(
      keyed.body["error"]["message"].get<std::string>().find(
          "disk.diskEncryptionKey': '{\"rawKey\":\"a2V5\"}'. Not supported by the local cloud"),
      std::string::npos)
      << keyed.body.dump();
  auto unknown = Call("POST", "zones/local-a/disks", R"({"name":"d4","colour":"red"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body["error"]["message"].get<std::string>().find("Unknown name \"colour\""),
            std::string::npos);
  auto bad_enum = Call("POST", "zones/local-a/disks", R"({"name":"d5","architecture":"Z80"})");
  EXPECT_EQ(bad_enum.status, 400);
  EXPECT_EQ(Call("GET", "zones/local-a/disks/d3").status, 404);
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
