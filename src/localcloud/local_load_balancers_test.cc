// The load balancer's resources on a real LocalCloud (SQLite file): GCE's
// defaults, references checked and kept (nothing referenced can be
// deleted), every refusal naming its field and changing nothing, named
// ports, fingerprints, and what getHealth answers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/testing.h"
#include "compute/group_codec.h"
#include "compute/lb_codec.h"
#include "localcloud/local_cloud.h"

namespace imago::localcloud {
namespace {

using base::TempDir;
using base::WriteFile;
using compute::Code;
using compute::Json;
using compute::Status;

// A TCP port free on 127.0.0.1 now.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

class LocalLoadBalancersTest : public ::testing::Test {
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
    im.raw_disk = compute::RawDisk{src, "", ""};
    ASSERT_TRUE(cloud_->images().Insert("local", im, {}).ok());
    auto t = compute::InstanceTemplateFromJson(
        {{"name", "web-1"},
         {"properties",
          {{"machineType", "e2-micro"},
           {"disks",
            {{{"boot", true},
              {"initializeParams", {{"sourceImage", "global/images/app-v1"}}}}}}}}});
    ASSERT_TRUE(t.ok());
    ASSERT_TRUE(cloud_->instance_templates().Insert("local", *t, {}).ok());
    auto hc = compute::HealthCheckFromJson({{"name", "hc"}, {"type", "HTTP"}});
    ASSERT_TRUE(cloud_->health_checks().Insert("local", *hc, {}).ok());
    for (const char* name : {"blue", "green"}) {
      auto g = compute::InstanceGroupManagerFromJson(
          {{"name", name},
           {"instanceTemplate", "global/instanceTemplates/web-1"},
           {"targetSize", 0}});
      ASSERT_TRUE(g.ok());
      ASSERT_TRUE(cloud_->instance_group_managers().Insert("local", "local-a", *g, {}).ok());
    }
  }

  Status InsertService(const Json& j) {
    auto bs = compute::BackendServiceFromJson(j);
    if (!bs.ok()) return bs.status();
    return cloud_->backend_services().Insert("local", *bs, {}).status();
  }
  Status InsertMap(const Json& j) {
    auto m = compute::UrlMapFromJson(j);
    if (!m.ok()) return m.status();
    return cloud_->url_maps().Insert("local", *m, {}).status();
  }
  Status InsertProxy(const Json& j) {
    auto p = compute::TargetHttpProxyFromJson(j);
    if (!p.ok()) return p.status();
    return cloud_->target_http_proxies().Insert("local", *p, {}).status();
  }
  Status InsertRule(const Json& j) {
    auto r = compute::ForwardingRuleFromJson(j);
    if (!r.ok()) return r.status();
    return cloud_->global_forwarding_rules().Insert("local", *r, {}).status();
  }
  // The whole chain: web-bs (blue) <- web-map <- web-proxy <- web-fr.
  void Chain(int port) {
    ASSERT_TRUE(InsertService({{"name", "web-bs"},
                               {"healthChecks", {"global/healthChecks/hc"}},
                               {"backends", {{{"group", "zones/local-a/instanceGroups/blue"}}}}})
                    .ok());
    ASSERT_TRUE(
        InsertMap({{"name", "web-map"}, {"defaultService", "global/backendServices/web-bs"}}).ok());
    ASSERT_TRUE(InsertProxy({{"name", "web-proxy"}, {"urlMap", "web-map"}}).ok());
    ASSERT_TRUE(InsertRule({{"name", "web-fr"},
                            {"target", "global/targetHttpProxies/web-proxy"},
                            {"portRange", std::to_string(port)}})
                    .ok());
  }

  TempDir dir_;
  std::unique_ptr<LocalCloud> cloud_;
};

TEST_F(LocalLoadBalancersTest, ChainGetsGceDefaultsAndFullUrls) {
  const int port = FreePort();
  Chain(port);
  auto bs = cloud_->backend_services().Get("local", "web-bs");
  ASSERT_TRUE(bs.ok()) << bs.status().message();
  EXPECT_EQ(bs->protocol, "HTTP");
  EXPECT_EQ(bs->port_name, "http");
  EXPECT_EQ(bs->timeout_sec, 30);
  EXPECT_EQ(bs->load_balancing_scheme, "EXTERNAL");
  EXPECT_EQ(bs->draining_timeout_sec, 300);
  ASSERT_EQ(bs->backends.size(), 1u);
  EXPECT_EQ(bs->backends[0].balancing_mode, "UTILIZATION");
  EXPECT_EQ(bs->backends[0].capacity_scaler, 1.0);
  const std::string base = "https://www.googleapis.com/compute/v1/projects/local/";
  EXPECT_EQ(bs->backends[0].group, base + "zones/local-a/instanceGroups/blue");
  EXPECT_EQ(bs->health_checks[0], base + "global/healthChecks/hc");
  EXPECT_FALSE(bs->fingerprint.empty());
  auto m = cloud_->url_maps().Get("local", "web-map");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->default_service, base + "global/backendServices/web-bs");
  auto r = cloud_->global_forwarding_rules().Get("local", "web-fr");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ip_address, "127.0.0.1");
  EXPECT_EQ(r->ip_protocol, "TCP");
  EXPECT_EQ(r->port_range, std::to_string(port) + "-" + std::to_string(port));
  EXPECT_EQ(r->target, base + "global/targetHttpProxies/web-proxy");
  EXPECT_EQ(compute::ToJson(*r)["kind"], "compute#forwardingRule");
}

TEST_F(LocalLoadBalancersTest, NothingReferencedCanBeDeleted) {
  Chain(FreePort());
  struct Case {
    std::function<compute::Result<compute::Operation>()> del;
    const char* by;
  };
  std::vector<Case> refused = {
      {[&] { return cloud_->health_checks().Delete("local", "hc", {}); }, "backendServices/web-bs"},
      {[&] { return cloud_->instance_group_managers().Delete("local", "local-a", "blue", {}); },
       "backendServices/web-bs"},
      {[&] { return cloud_->backend_services().Delete("local", "web-bs", {}); }, "urlMaps/web-map"},
      {[&] { return cloud_->url_maps().Delete("local", "web-map", {}); },
       "targetHttpProxies/web-proxy"},
      {[&] { return cloud_->target_http_proxies().Delete("local", "web-proxy", {}); },
       "forwardingRules/web-fr"},
  };
  for (const auto& c : refused) {
    auto op = c.del();
    ASSERT_FALSE(op.ok());
    EXPECT_EQ(op.status().code(), Code::kResourceInUse);
    EXPECT_STREQ(op.status().reason(), "resourceInUseByAnotherResource");
    EXPECT_NE(op.status().message().find(c.by), std::string::npos) << op.status().message();
  }
  // From the front: each delete frees the next.
  EXPECT_TRUE(cloud_->global_forwarding_rules().Delete("local", "web-fr", {}).ok());
  EXPECT_TRUE(cloud_->target_http_proxies().Delete("local", "web-proxy", {}).ok());
  EXPECT_TRUE(cloud_->url_maps().Delete("local", "web-map", {}).ok());
  EXPECT_TRUE(cloud_->backend_services().Delete("local", "web-bs", {}).ok());
  EXPECT_TRUE(cloud_->instance_group_managers().Delete("local", "local-a", "blue", {}).ok());
  EXPECT_TRUE(cloud_->health_checks().Delete("local", "hc", {}).ok());
}

TEST_F(LocalLoadBalancersTest, BadResourcesAreRefusedByFieldAndStoreNothing) {
  const int port = FreePort();
  Chain(port);
  const Json svc = {{"name", "x-bs"}, {"healthChecks", {"hc"}}};
  auto with = [&](Json j, const char* key, Json value) {
    j[key] = std::move(value);
    return j;
  };
  struct Case {
    std::function<Status()> insert;
    const char* in_message;
  };
  std::vector<Case> cases = {
      {[&] {
         return InsertService({{"name", "x-bs"}});
       },
       "healthChecks"},
      {[&] {
         return InsertService(with(svc, "healthChecks", {"hc", "hc"}));
       },
       "at most one"},
      {[&] { return InsertService(with(svc, "healthChecks", {"nope"})); }, "healthChecks/nope"},
      {[&] { return InsertService(with(svc, "protocol", "TCP")); }, "protocol"},
      {[&] { return InsertService(with(svc, "loadBalancingScheme", "INTERNAL")); },
       "loadBalancingScheme"},
      {[&] { return InsertService(with(svc, "timeoutSec", 100000)); }, "timeoutSec"},
      {[&] {
         return InsertService(with(svc, "connectionDraining", {{"drainingTimeoutSec", 3601}}));
       },
       "drainingTimeoutSec"},
      {[&] {
         return InsertService(with(svc, "backends", {{{"group", "instanceGroups/blue"}}}));
       },
       "zone"},
      {[&] {
         return InsertService(
             with(svc, "backends", {{{"group", "zones/local-a/instanceGroups/x"}}}));
       },
       "instanceGroups/x"},
      {[&] {
         return InsertService(with(svc, "backends",
                                   {{{"group", "zones/local-a/instanceGroups/blue"}},
                                    {{"group", "zones/local-a/instanceGroups/blue"}}}));
       },
       "Duplicate"},
      {[&] {
         return InsertService(
             with(svc, "backends",
                  {{{"group", "zones/local-a/instanceGroups/blue"}, {"capacityScaler", 0.05}}}));
       },
       "capacityScaler"},
      {[&] {
         return InsertService(with(
             svc, "backends",
             {{{"group", "zones/local-a/instanceGroups/blue"}, {"balancingMode", "CONNECTION"}}}));
       },
       "balancingMode"},
      {[&] { return InsertService(with(svc, "sessionAffinity", "CLIENT_IP")); }, "sessionAffinity"},
      {[&] {
         return InsertMap({{"name", "x-map"}});
       },
       "defaultService"},
      {[&] {
         return InsertMap({{"name", "x-map"}, {"defaultService", "nope"}});
       },
       "backendServices/nope"},
      {[&] {
         return InsertMap({{"name", "x-map"},
                           {"defaultService", "web-bs"},
                           {"hostRules", {{{"hosts", {"a"}}}}}});
       },
       "hostRules"},
      {[&] {
         return InsertProxy({{"name", "x-proxy"}, {"urlMap", "nope"}});
       },
       "urlMaps/nope"},
      {[&] {
         return InsertRule({{"name", "x-fr"}, {"target", "web-proxy"}});
       },
       "portRange"},
      {[&] {
         return InsertRule({{"name", "x-fr"}, {"target", "web-proxy"}, {"portRange", "80-81"}});
       },
       "portRange"},
      {[&] {
         return InsertRule({{"name", "x-fr"},
                            {"target", "web-proxy"},
                            {"portRange", "8080"},
                            {"IPAddress", "10.0.0.1"}});
       },
       "IPAddress"},
      {[&] {
         return InsertRule({{"name", "x-fr"}, {"target", "nope"}, {"portRange", "8080"}});
       },
       "targetHttpProxies/nope"},
      {[&] {
         return InsertRule({{"name", "x-fr"},
                            {"target", "global/targetHttpProxies/web-proxy"},
                            {"portRange", std::to_string(port)}});
       },
       "already served by forwarding rule 'web-fr'"},
  };
  for (const auto& c : cases) {
    Status st = c.insert();
    ASSERT_FALSE(st.ok()) << c.in_message;
    EXPECT_NE(st.message().find(c.in_message), std::string::npos)
        << "'" << st.message() << "' does not name " << c.in_message;
  }
  EXPECT_EQ(cloud_->backend_services().List("local", {})->items.size(), 1u);
  EXPECT_EQ(cloud_->url_maps().List("local", {})->items.size(), 1u);
  EXPECT_EQ(cloud_->target_http_proxies().List("local", {})->items.size(), 1u);
  EXPECT_EQ(cloud_->global_forwarding_rules().List("local", {})->items.size(), 1u);
}

TEST_F(LocalLoadBalancersTest, APortInUseOnTheHostIsRefused) {
  Chain(FreePort());
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  Status st = InsertRule({{"name", "busy-fr"},
                          {"target", "web-proxy"},
                          {"portRange", std::to_string(ntohs(a.sin_port))}});
  close(fd);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("in use on this host"), std::string::npos) << st.message();
}

TEST_F(LocalLoadBalancersTest, PatchReplacesBackendsAndChecksTheFingerprint) {
  Chain(FreePort());
  auto before = cloud_->backend_services().Get("local", "web-bs");
  ASSERT_TRUE(before.ok());
  // Blue out, green in at half capacity: one patch.
  Json patch = {
      {"backends", {{{"group", "zones/local-a/instanceGroups/green"}, {"capacityScaler", 0.5}}}},
      {"fingerprint", before->fingerprint}};
  ASSERT_TRUE(cloud_->backend_services().Patch("local", "web-bs", patch, {}).ok());
  auto after = cloud_->backend_services().Get("local", "web-bs");
  ASSERT_EQ(after->backends.size(), 1u);
  EXPECT_NE(after->backends[0].group.find("/instanceGroups/green"), std::string::npos);
  EXPECT_EQ(after->backends[0].capacity_scaler, 0.5);
  EXPECT_NE(after->fingerprint, before->fingerprint);
  // The old fingerprint is stale now.
  auto stale = cloud_->backend_services().Patch("local", "web-bs", patch, {});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), Code::kConditionNotMet);
  // Blue is no backend any more: it can go.
  EXPECT_TRUE(cloud_->instance_group_managers().Delete("local", "local-a", "blue", {}).ok());
}

TEST_F(LocalLoadBalancersTest, NamedPortsAreSetOnTheInstanceGroup) {
  auto g = cloud_->instance_groups().Get("local", "local-a", "blue");
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_TRUE(g->named_ports.empty());
  EXPECT_EQ(g->size, 0);
  EXPECT_NE(g->self_link.find("/zones/local-a/instanceGroups/blue"), std::string::npos);
  auto bad = cloud_->instance_groups().SetNamedPorts("local", "local-a", "blue",
                                                     {{"http", 80}, {"http", 81}}, "", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("namedPorts[1].name"), std::string::npos);
  bad = cloud_->instance_groups().SetNamedPorts("local", "local-a", "blue", {{"http", 0}}, "", {});
  ASSERT_FALSE(bad.ok());
  ASSERT_TRUE(cloud_->instance_groups()
                  .SetNamedPorts("local", "local-a", "blue", {{"http", 8080}}, g->fingerprint, {})
                  .ok());
  auto stale = cloud_->instance_groups().SetNamedPorts("local", "local-a", "blue", {{"http", 80}},
                                                       g->fingerprint, {});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), Code::kConditionNotMet);
  // The managed group shows them too (its namedPorts are output only).
  auto igm = cloud_->instance_group_managers().Get("local", "local-a", "blue");
  ASSERT_EQ(igm->named_ports.size(), 1u);
  EXPECT_EQ(igm->named_ports[0].port, 8080);
  auto list = cloud_->instance_groups().List("local", "local-a", {});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->items.size(), 2u);
}

TEST_F(LocalLoadBalancersTest, GetHealthAnswersWhatTheBalancerReported) {
  Chain(FreePort());
  const std::string blue =
      "https://www.googleapis.com/compute/v1/projects/local/zones/local-a/instanceGroups/blue";
  auto h = cloud_->backend_services().GetHealth("local", "web-bs", blue);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_TRUE(h->health_status.empty());
  compute::BackendServiceGroupHealth report;
  report.health_status.push_back(
      {"https://x/zones/local-a/instances/blue-1", "10.128.0.2", 80, "HEALTHY"});
  ASSERT_TRUE(
      cloud_->load_balancer_runtime()->ReportHealth("local", "web-bs", {{blue, report}}).ok());
  h = cloud_->backend_services().GetHealth("local", "web-bs", "zones/local-a/instanceGroups/blue");
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->health_status.size(), 1u);
  EXPECT_EQ(h->health_status[0].health_state, "HEALTHY");
  EXPECT_EQ(h->health_status[0].port, 80);
  auto not_backend =
      cloud_->backend_services().GetHealth("local", "web-bs", "zones/local-a/instanceGroups/green");
  ASSERT_FALSE(not_backend.ok());
  EXPECT_NE(not_backend.status().message().find("Not a backend"), std::string::npos);
}

// Autoscalers live beside the groups: checked by field, one per group, and
// a group with one cannot be deleted (the CLI deletes the autoscaler first).
TEST_F(LocalLoadBalancersTest, AutoscalersAreCheckedOnePerGroupAndKeepTheirGroup) {
  auto insert = [&](const Json& j) {
    auto a = compute::AutoscalerFromJson(j);
    if (!a.ok()) return a.status();
    return cloud_->autoscalers().Insert("local", "local-a", *a, {}).status();
  };
  const Json good = {{"name", "blue-as"},
                     {"target", "zones/local-a/instanceGroupManagers/blue"},
                     {"autoscalingPolicy", {{"maxNumReplicas", 4}}}};
  struct Case {
    std::function<void(Json&)> change;
    const char* in_message;
  };
  std::vector<Case> cases = {
      {[](Json& j) { j.erase("target"); }, "autoscaler.target"},
      {[](Json& j) { j["target"] = "zones/local-a/instanceGroupManagers/nope"; },
       "instanceGroupManagers/nope"},
      {[](Json& j) { j["autoscalingPolicy"].erase("maxNumReplicas"); }, "maxNumReplicas"},
      {[](Json& j) { j["autoscalingPolicy"]["minNumReplicas"] = 5; }, "minNumReplicas"},
      {[](Json& j) {
         j["autoscalingPolicy"]["cpuUtilization"] = {{"utilizationTarget", 1.5}};
       },
       "utilizationTarget"},
      {[](Json& j) { j["autoscalingPolicy"]["coolDownPeriodSec"] = 7200; }, "coolDownPeriodSec"},
      {[](Json& j) { j["autoscalingPolicy"]["mode"] = "SOMETIMES"; }, "mode"},
      {[](Json& j) {
         j["autoscalingPolicy"]["loadBalancingUtilization"] = {{"utilizationTarget", 0.8}};
       },
       "loadBalancingUtilization"},
  };
  for (const auto& c : cases) {
    Json j = good;
    c.change(j);
    Status st = insert(j);
    ASSERT_FALSE(st.ok()) << c.in_message;
    EXPECT_NE(st.message().find(c.in_message), std::string::npos) << st.message();
  }
  EXPECT_TRUE(cloud_->autoscalers().List("local", "local-a", {})->items.empty());
  ASSERT_TRUE(insert(good).ok());
  auto a = cloud_->autoscalers().Get("local", "local-a", "blue-as");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->policy.min_num_replicas, 1);  // GCE's defaults.
  EXPECT_EQ(a->policy.cool_down_period_sec, 60);
  EXPECT_EQ(a->policy.mode, "ON");
  EXPECT_DOUBLE_EQ(a->policy.cpu_utilization_target, 0.6);
  EXPECT_EQ(a->status, "PENDING");  // No controller has measured yet.
  Json second = good;
  second["name"] = "blue-as2";
  Status st = insert(second);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("has an autoscaler already"), std::string::npos);
  auto g = cloud_->instance_group_managers().Get("local", "local-a", "blue");
  EXPECT_NE(g->status.value("autoscaler", "").find("/autoscalers/blue-as"), std::string::npos);
  auto del = cloud_->instance_group_managers().Delete("local", "local-a", "blue", {});
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.status().code(), Code::kResourceInUse);
  ASSERT_TRUE(
      cloud_->autoscalers()
          .Patch("local", "local-a", "blue-as",
                 {{"autoscalingPolicy", {{"maxNumReplicas", 6}, {"mode", "ONLY_SCALE_OUT"}}}}, {})
          .ok());
  a = cloud_->autoscalers().Get("local", "local-a", "blue-as");
  EXPECT_EQ(a->policy.max_num_replicas, 6);
  EXPECT_EQ(a->policy.mode, "ONLY_SCALE_OUT");
  ASSERT_TRUE(cloud_->group_runtime()
                  ->ReportAutoscaler("local", "local-a", "blue-as", "ACTIVE", 3, Json::array())
                  .ok());
  a = cloud_->autoscalers().Get("local", "local-a", "blue-as");
  EXPECT_EQ(a->status, "ACTIVE");
  EXPECT_EQ(a->recommended_size, 3);
  ASSERT_TRUE(cloud_->autoscalers().Delete("local", "local-a", "blue-as", {}).ok());
  EXPECT_TRUE(cloud_->instance_group_managers().Delete("local", "local-a", "blue", {}).ok());
}

}  // namespace
}  // namespace imago::localcloud
