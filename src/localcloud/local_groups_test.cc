// Instance templates and health checks on a real LocalCloud (SQLite file):
// what is stored, GCE's defaults, and every refusal changing nothing.
#include <gtest/gtest.h>

#include "base/testing.h"
#include "compute/group_codec.h"
#include "localcloud/local_cloud.h"

namespace imago::localcloud {
namespace {

using base::TempDir;
using base::WriteFile;
using compute::Code;
using compute::HealthCheck;
using compute::InstanceTemplate;
using compute::Json;

class LocalGroupsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LocalCloudOptions o;
    o.home = dir_.path() + "/home";
    auto c = LocalCloud::Open(o);
    ASSERT_TRUE(c.ok()) << c.status().message();
    cloud_ = std::move(c.value());
    std::string src = dir_.path() + "/app.raw";
    WriteFile(src, 1 << 20, 5);
    compute::Image im;
    im.name = "app-v1";
    im.family = "app";
    im.raw_disk = compute::RawDisk{src, "", ""};
    ASSERT_TRUE(cloud_->images().Insert("local", im, {}).ok());
  }

  // A template as a client sends it, read by the server's codec.
  compute::Result<InstanceTemplate> Parse(const Json& j) {
    return compute::InstanceTemplateFromJson(j);
  }
  Json Template(const std::string& name, const std::string& image = "global/images/family/app") {
    return {{"name", name},
            {"properties",
             {{"machineType", "e2-micro"},
              {"labels", {{"env", "dev"}}},
              {"metadata", {{"items", {{{"key", "startup-script"}, {"value", "echo hi"}}}}}},
              {"disks",
               {{{"boot", true},
                 {"autoDelete", true},
                 {"initializeParams", {{"sourceImage", image}}}}}}}}};
  }
  compute::Status Insert(const Json& j) {
    auto t = Parse(j);
    if (!t.ok()) return t.status();
    return cloud_->instance_templates().Insert("local", *t, {}).status();
  }
  size_t TemplateCount() {
    auto l = cloud_->instance_templates().List("local", {});
    return l.ok() ? l->items.size() : 999;
  }
  compute::Status InsertCheck(const Json& j) {
    auto hc = compute::HealthCheckFromJson(j);
    if (!hc.ok()) return hc.status();
    return cloud_->health_checks().Insert("local", *hc, {}).status();
  }

  TempDir dir_;
  std::unique_ptr<LocalCloud> cloud_;
};

TEST_F(LocalGroupsTest, TemplateKeepsItsPropertiesAndTheFamilyUnresolved) {
  ASSERT_TRUE(Insert(Template("web-1")).ok());
  auto t = cloud_->instance_templates().Get("local", "web-1");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->properties.machine_type, "e2-micro");
  EXPECT_EQ(t->properties.labels.at("env"), "dev");
  EXPECT_EQ(t->properties.metadata.Get("startup-script").value_or(""), "echo hi");
  ASSERT_EQ(t->properties.disks.size(), 1u);
  // The family stays a family: each disk made from the template resolves it.
  EXPECT_EQ(t->properties.disks[0].initialize_params->source_image, "global/images/family/app");
  EXPECT_EQ(t->self_link,
            "https://www.googleapis.com/compute/v1/projects/local/global/instanceTemplates/web-1");
  EXPECT_NE(t->id, 0u);
  EXPECT_FALSE(t->creation_timestamp.empty());
  Json j = compute::ToJson(*t);
  EXPECT_EQ(j["kind"], "compute#instanceTemplate");
  EXPECT_EQ(j["properties"]["disks"][0]["initializeParams"]["sourceImage"],
            "global/images/family/app");
  EXPECT_FALSE(j["properties"].contains("name"));
  EXPECT_FALSE(j["properties"].contains("kind"));
  // Unmodelled fields of the schema come back as sent.
  Json with_extra = Template("web-2");
  with_extra["properties"]["scheduling"] = {{"preemptible", false},
                                            {"onHostMaintenance", "MIGRATE"}};
  with_extra["properties"]["resourceManagerTags"] = {{"tagKeys/1", "tagValues/2"}};
  ASSERT_TRUE(Insert(with_extra).ok());
  auto t2 = cloud_->instance_templates().Get("local", "web-2");
  ASSERT_TRUE(t2.ok());
  Json j2 = compute::ToJson(*t2);
  EXPECT_EQ(j2["properties"]["scheduling"]["onHostMaintenance"], "MIGRATE");
  // An input-only field of the schema is taken and, as on GCE, not returned.
  EXPECT_FALSE(j2["properties"].contains("resourceManagerTags"));
  // list, filter, delete.
  compute::ListOptions f;
  f.filter = "properties.labels.env = dev AND name = web-2";
  auto l = cloud_->instance_templates().List("local", f);
  ASSERT_TRUE(l.ok()) << l.status().message();
  ASSERT_EQ(l->items.size(), 1u);
  EXPECT_EQ(l->items[0].name, "web-2");
  EXPECT_EQ(Insert(Template("web-1")).code(), Code::kAlreadyExists);
  ASSERT_TRUE(cloud_->instance_templates().Delete("local", "web-1", {}).ok());
  EXPECT_EQ(cloud_->instance_templates().Get("local", "web-1").status().code(), Code::kNotFound);
  EXPECT_EQ(cloud_->instance_templates().Delete("local", "web-1", {}).status().code(),
            Code::kNotFound);
  EXPECT_EQ(TemplateCount(), 1u);
}

TEST_F(LocalGroupsTest, BadTemplatesAreRefusedByFieldAndStoreNothing) {
  struct Case {
    const char* what;
    std::function<void(Json&)> change;
    Code code;
    const char* in_message;
  };
  std::vector<Case> cases = {
      {"machine type URL",
       [](Json& j) { j["properties"]["machineType"] = "zones/local-a/machineTypes/e2-micro"; },
       Code::kInvalid, "properties.machineType"},
      {"unknown machine type", [](Json& j) { j["properties"]["machineType"] = "n9-huge"; },
       Code::kInvalid, "n9-huge"},
      {"no machine type", [](Json& j) { j["properties"].erase("machineType"); }, Code::kRequired,
       "machineType"},
      {"no disks", [](Json& j) { j["properties"].erase("disks"); }, Code::kRequired, "disks"},
      {"unknown image",
       [](Json& j) {
         j["properties"]["disks"][0]["initializeParams"]["sourceImage"] = "global/images/nope";
       },
       Code::kInvalid, "sourceImage"},
      {"unknown family",
       [](Json& j) {
         j["properties"]["disks"][0]["initializeParams"]["sourceImage"] =
             "global/images/family/nope";
       },
       Code::kNotFound, "family/nope"},
      {"boot disk without image",
       [](Json& j) {
         j["properties"]["disks"][0]["initializeParams"] = {{"diskSizeGb", "2"}};
       },
       Code::kRequired, "sourceImage"},
      {"existing disk",
       [](Json& j) { j["properties"]["disks"][0]["source"] = "zones/local-a/disks/d"; },
       Code::kInvalid, "disks[0].source"},
      {"two boot disks",
       [](Json& j) { j["properties"]["disks"].push_back(j["properties"]["disks"][0]); },
       Code::kInvalid, "boot disk"},
      {"fixed host port",
       [](Json& j) {
         j["properties"]["metadata"]["items"].push_back(
             {{"key", "imago-ports"}, {"value", "8080:80"}});
       },
       Code::kInvalid, "imago-ports"},
      {"accelerators",
       [](Json& j) {
         j["properties"]["guestAccelerators"] = {
             {{"acceleratorCount", 1}, {"acceleratorType", "nvidia-t4"}}};
       },
       Code::kInvalid, "instanceTemplate.properties.guestAccelerators"},
      {"other network",
       [](Json& j) {
         j["properties"]["networkInterfaces"] = {{{"network", "global/networks/prod"}}};
       },
       Code::kInvalid, "networkInterfaces[0].network"},
      {"source instance", [](Json& j) { j["sourceInstance"] = "zones/local-a/instances/vm1"; },
       Code::kInvalid, "sourceInstance"},
      {"instance-only field", [](Json& j) { j["properties"]["status"] = "RUNNING"; },
       Code::kInvalid, "Unknown name \"status\""},
      {"unknown field", [](Json& j) { j["properties"]["colour"] = "red"; }, Code::kInvalid,
       "colour"},
      {"bad name", [](Json& j) { j["name"] = "Web_1"; }, Code::kInvalid, "name"},
      {"bad label",
       [](Json& j) {
         j["properties"]["labels"] = {{"Env", "x"}};
       },
       Code::kInvalid, "labels"},
  };
  for (const auto& c : cases) {
    Json j = Template("t1");
    c.change(j);
    compute::Status st = Insert(j);
    EXPECT_EQ(st.code(), c.code) << c.what << ": " << st.message();
    EXPECT_NE(st.message().find(c.in_message), std::string::npos) << c.what << ": " << st.message();
    EXPECT_EQ(st.message().find('\n'), std::string::npos) << c.what;
  }
  EXPECT_EQ(TemplateCount(), 0u);
}

TEST_F(LocalGroupsTest, HealthCheckGetsGceDefaults) {
  ASSERT_TRUE(InsertCheck({{"name", "hc"}, {"type", "HTTP"}}).ok());
  auto hc = cloud_->health_checks().Get("local", "hc");
  ASSERT_TRUE(hc.ok()) << hc.status().message();
  EXPECT_EQ(hc->check_interval_sec, 5);
  EXPECT_EQ(hc->timeout_sec, 5);
  EXPECT_EQ(hc->healthy_threshold, 2);
  EXPECT_EQ(hc->unhealthy_threshold, 2);
  ASSERT_TRUE(hc->http.has_value());
  EXPECT_EQ(hc->http->port, 80);
  EXPECT_EQ(hc->http->request_path, "/");
  EXPECT_FALSE(hc->tcp.has_value());
  // A client that sends every field: the other protocol's empty object is unset.
  ASSERT_TRUE(InsertCheck({{"name", "tcp"},
                           {"type", "TCP"},
                           {"checkIntervalSec", 10},
                           {"timeoutSec", 3},
                           {"httpHealthCheck", Json::object()},
                           {"tcpHealthCheck", {{"port", 5432}}}})
                  .ok());
  auto tcp = cloud_->health_checks().Get("local", "tcp");
  ASSERT_TRUE(tcp.ok());
  EXPECT_FALSE(tcp->http.has_value());
  EXPECT_EQ(tcp->tcp->port, 5432);
  EXPECT_EQ(tcp->check_interval_sec, 10);
  EXPECT_EQ(tcp->timeout_sec, 3);
  compute::ListOptions f;
  f.filter = "type = TCP";
  auto l = cloud_->health_checks().List("local", f);
  ASSERT_TRUE(l.ok()) << l.status().message();
  ASSERT_EQ(l->items.size(), 1u);
  EXPECT_EQ(l->items[0].name, "tcp");
}

TEST_F(LocalGroupsTest, HealthCheckPatchMergesAndUpdateReplaces) {
  ASSERT_TRUE(InsertCheck({{"name", "hc"},
                           {"type", "HTTP"},
                           {"checkIntervalSec", 10},
                           {"httpHealthCheck", {{"port", 8080}, {"requestPath", "/healthz"}}}})
                  .ok());
  auto before = cloud_->health_checks().Get("local", "hc");
  ASSERT_TRUE(before.ok());
  // Patch: only what it names changes.
  ASSERT_TRUE(cloud_->health_checks()
                  .Patch("local", "hc", {{"httpHealthCheck", {{"port", 9090}}}}, {})
                  .ok());
  auto patched = cloud_->health_checks().Get("local", "hc");
  ASSERT_TRUE(patched.ok());
  EXPECT_EQ(patched->http->port, 9090);
  EXPECT_EQ(patched->http->request_path, "/healthz");
  EXPECT_EQ(patched->check_interval_sec, 10);
  EXPECT_EQ(patched->id, before->id);
  EXPECT_EQ(patched->creation_timestamp, before->creation_timestamp);
  // A patch that breaks a rule changes nothing.
  EXPECT_EQ(cloud_->health_checks().Patch("local", "hc", {{"timeoutSec", 30}}, {}).status().code(),
            Code::kInvalid);
  EXPECT_EQ(cloud_->health_checks().Patch("local", "hc", {{"name", "other"}}, {}).status().code(),
            Code::kInvalid);
  // Switching protocol needs the old field cleared (null), as a merge patch says.
  EXPECT_EQ(cloud_->health_checks()
                .Patch("local", "hc", {{"type", "TCP"}, {"tcpHealthCheck", {{"port", 22}}}}, {})
                .status()
                .code(),
            Code::kInvalid);
  ASSERT_TRUE(
      cloud_->health_checks()
          .Patch(
              "local", "hc",
              {{"type", "TCP"}, {"httpHealthCheck", nullptr}, {"tcpHealthCheck", {{"port", 22}}}},
              {})
          .ok());
  auto tcp = cloud_->health_checks().Get("local", "hc");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->type, "TCP");
  EXPECT_EQ(tcp->tcp->port, 22);
  EXPECT_FALSE(tcp->http.has_value());
  // Update (PUT): what it leaves out takes its default again.
  HealthCheck put;
  put.name = "hc";
  put.type = "HTTP";
  ASSERT_TRUE(cloud_->health_checks().Update("local", "hc", put, {}).ok());
  auto updated = cloud_->health_checks().Get("local", "hc");
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->check_interval_sec, 5);
  EXPECT_EQ(updated->http->port, 80);
  EXPECT_EQ(updated->id, before->id);
  ASSERT_TRUE(cloud_->health_checks().Delete("local", "hc", {}).ok());
  EXPECT_EQ(cloud_->health_checks().Get("local", "hc").status().code(), Code::kNotFound);
}

TEST_F(LocalGroupsTest, BadHealthChecksAreRefusedByField) {
  struct Case {
    Json body;
    const char* in_message;
  };
  std::vector<Case> cases = {
      {{{"name", "hc"}}, "type"},
      {{{"name", "hc"}, {"type", "HTTPS"}}, "Not supported by the local cloud"},
      {{{"name", "hc"}, {"type", "UDP"}}, "healthCheck.type"},
      {{{"name", "hc"}, {"type", "HTTP"}, {"tcpHealthCheck", {{"port", 80}}}}, "tcpHealthCheck"},
      {{{"name", "hc"}, {"type", "HTTP"}, {"httpsHealthCheck", {{"port", 443}}}},
       "httpsHealthCheck"},
      {{{"name", "hc"}, {"type", "HTTP"}, {"timeoutSec", 6}}, "timeoutSec"},
      {{{"name", "hc"}, {"type", "HTTP"}, {"checkIntervalSec", -1}}, "checkIntervalSec"},
      {{{"name", "hc"}, {"type", "HTTP"}, {"healthyThreshold", 11}}, "healthyThreshold"},
      {{{"name", "hc"}, {"type", "HTTP"}, {"httpHealthCheck", {{"port", 70000}}}}, "port"},
      {{{"name", "hc"}, {"type", "HTTP"}, {"httpHealthCheck", {{"requestPath", "healthz"}}}},
       "requestPath"},
      {{{"name", "hc"}, {"type", "TCP"}, {"tcpHealthCheck", {{"proxyHeader", "PROXY_V1"}}}},
       "proxyHeader"},
      {{{"name", "hc"},
        {"type", "HTTP"},
        {"httpHealthCheck", {{"portSpecification", "USE_NAMED_PORT"}}}},
       "portSpecification"},
      {{{"name", "hc"}, {"type", "HTTP"}, {"sourceRegions", {"us-central1"}}}, "sourceRegions"},
      {{{"name", "Bad"}, {"type", "HTTP"}}, "name"},
  };
  for (const auto& c : cases) {
    compute::Status st = InsertCheck(c.body);
    EXPECT_EQ(st.http_code(), 400) << c.body.dump() << ": " << st.message();
    EXPECT_NE(st.message().find(c.in_message), std::string::npos)
        << c.body.dump() << ": " << st.message();
  }
  auto l = cloud_->health_checks().List("local", {});
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->items.empty());
}

TEST_F(LocalGroupsTest, GroupsAreCheckedAndKeepTheirTemplatesInUse) {
  ASSERT_TRUE(Insert(Template("web-1")).ok());
  ASSERT_TRUE(Insert(Template("web-2")).ok());
  ASSERT_TRUE(InsertCheck({{"name", "hc"}, {"type", "HTTP"}}).ok());
  auto insert = [&](const Json& j) {
    auto g = compute::InstanceGroupManagerFromJson(j);
    if (!g.ok()) return g.status();
    return cloud_->instance_group_managers().Insert("local", "local-a", *g, {}).status();
  };
  const Json good = {{"name", "web"},
                     {"instanceTemplate", "global/instanceTemplates/web-1"},
                     {"targetSize", 0},
                     {"autoHealingPolicies", {{{"healthCheck", "hc"}, {"initialDelaySec", 30}}}}};
  struct Case {
    std::function<void(Json&)> change;
    const char* in_message;
  };
  std::vector<Case> cases = {
      {[](Json& j) { j.erase("targetSize"); }, "targetSize"},
      {[](Json& j) { j["targetSize"] = 1001; }, "targetSize"},
      {[](Json& j) { j["instanceTemplate"] = "global/instanceTemplates/nope"; },
       "instanceTemplate"},
      {[](Json& j) { j["autoHealingPolicies"][0]["healthCheck"] = "nope"; }, "healthCheck"},
      {[](Json& j) { j["autoHealingPolicies"][0]["initialDelaySec"] = 4000; }, "initialDelaySec"},
      {[](Json& j) { j["baseInstanceName"] = std::string(59, 'a'); }, "baseInstanceName"},
      {[](Json& j) {
         j["versions"] = {{{"instanceTemplate", "web-1"}}, {{"instanceTemplate", "web-2"}}};
       },
       "Exactly one version"},
      {[](Json& j) {
         j["versions"] = {{{"instanceTemplate", "web-1"}},
                          {{"instanceTemplate", "web-1"}, {"targetSize", {{"fixed", 1}}}}};
       },
       "at most once"},
      {[](Json& j) {
         j["updatePolicy"] = {{"maxSurge", {{"fixed", 0}}}, {"maxUnavailable", {{"fixed", 0}}}};
         j["targetSize"] = 2;
       },
       "greater than 0"},
      {[](Json& j) {
         j["updatePolicy"] = {{"replacementMethod", "RECREATE"}, {"maxSurge", {{"fixed", 1}}}};
       },
       "maxSurge"},
      {[](Json& j) {
         j["updatePolicy"] = {{"maxSurge", {{"percent", 50}}}};
       },
       "10 or more"},
      {[](Json& j) {
         j["updatePolicy"] = {{"type", "SOMETIMES"}};
       },
       "OPPORTUNISTIC, PROACTIVE"},
      {[](Json& j) {
         j["statefulPolicy"] = {
             {"preservedState", {{"disks", {{"data", {{"autoDelete", "SOMETIMES"}}}}}}}};
       },
       "it is one of NEVER, ON_PERMANENT_INSTANCE_DELETION"},
      {[](Json& j) {
         j["statefulPolicy"] = {{"preservedState", {{"disks", {{"data", Json::object()}}}}}};
       },
       "only with RECREATE"},
      {[](Json& j) {
         j["statefulPolicy"] = {{"preservedState", {{"internalIPs", {{"nic0", Json::object()}}}}}};
       },
       "stateful IPs"},
  };
  for (const auto& c : cases) {
    Json j = good;
    c.change(j);
    compute::Status st = insert(j);
    EXPECT_EQ(st.http_code(), 400) << j.dump() << ": " << st.message();
    EXPECT_NE(st.message().find(c.in_message), std::string::npos)
        << j.dump() << ": " << st.message();
  }
  auto none = cloud_->instance_group_managers().List("local", "local-a", {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->items.empty());

  ASSERT_TRUE(insert(good).ok());
  auto g = cloud_->instance_group_managers().Get("local", "local-a", "web");
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(g->update_policy.type, "PROACTIVE");
  EXPECT_EQ(g->update_policy.max_surge->calculated, 1);
  EXPECT_EQ(g->versions.at(0).instance_template, g->instance_template);
  EXPECT_EQ(g->base_instance_name, "web");
  EXPECT_FALSE(g->status.value("isStable", true));  // No controller has looked yet.
  // In use: neither the template nor the health check can go.
  auto del = cloud_->instance_templates().Delete("local", "web-1", {});
  EXPECT_EQ(del.status().code(), Code::kResourceInUse);
  EXPECT_NE(del.status().message().find("is already being used by "
                                        "'projects/local/zones/local-a/instanceGroupManagers/web'"),
            std::string::npos)
      << del.status().message();
  EXPECT_EQ(cloud_->health_checks().Delete("local", "hc", {}).status().code(),
            Code::kResourceInUse);
  // A patch with a stale fingerprint: 412, nothing changes.
  auto stale = cloud_->instance_group_managers().Patch(
      "local", "local-a", "web", {{"fingerprint", "c3RhbGU="}, {"targetSize", 3}}, {});
  EXPECT_EQ(stale.status().code(), Code::kConditionNotMet);
  // Versions replace the template; the old one is free again.
  ASSERT_TRUE(cloud_->instance_group_managers()
                  .Patch("local", "local-a", "web",
                         {{"fingerprint", g->fingerprint},
                          {"versions", {{{"name", "v2"}, {"instanceTemplate", "web-2"}}}}},
                         {})
                  .ok());
  EXPECT_TRUE(cloud_->instance_templates().Delete("local", "web-1", {}).ok());
  EXPECT_EQ(cloud_->instance_templates().Delete("local", "web-2", {}).status().code(),
            Code::kResourceInUse);
  auto members = cloud_->instance_group_managers().ListManagedInstances("local", "local-a", "web");
  ASSERT_TRUE(members.ok());
  EXPECT_TRUE(members->empty());
  ASSERT_TRUE(cloud_->instance_group_managers().Delete("local", "local-a", "web", {}).ok());
  EXPECT_TRUE(cloud_->instance_templates().Delete("local", "web-2", {}).ok());
  EXPECT_TRUE(cloud_->health_checks().Delete("local", "hc", {}).ok());
}

}  // namespace
}  // namespace imago::localcloud
