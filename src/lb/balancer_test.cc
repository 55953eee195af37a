// Balancer::Step on a real local cloud (its load balancer resources, groups
// and getHealth), with instances in memory (testenv/fake_instances.h) and a
// proxy that records what it is told and answers what the test says. The
// real thing, with QEMU and HAProxy, is tests/vm/lb_test.sh.
#include "lb/balancer.h"

#include <gtest/gtest.h>

#include "base/testing.h"
#include "compute/group_codec.h"
#include "compute/lb_codec.h"
#include "testenv/fake_instances.h"
#include "testenv/test_cloud.h"

namespace imago::lb {
namespace {

using compute::Json;

// Keeps the servers it is given; the test says which are up and busy.
class FakeProxy final : public Proxy {
 public:
  compute::Status Apply(const ProxyConfig& want) override {
    last = want;
    ++applies;
    ProxyState next;
    for (const auto& b : want.backends) {
      for (const auto& s : b.servers) {
        ServerState st;
        auto old = state[b.name].find(s.name);
        if (old != state[b.name].end()) st = old->second;
        if (old == state[b.name].end() && s.draining) continue;
        st.address = s.address;
        st.port = s.port;
        st.weight = s.weight;
        st.draining = s.draining;
        st.up = up.count(s.name) > 0;
        st.sessions = sessions[s.name];
        next[b.name][s.name] = st;
      }
      // What Apply does not name goes once it is idle.
      for (const auto& [name, st] : state[b.name]) {
        if (!next[b.name].count(name) && sessions[name] > 0) {
          next[b.name][name] = st;
          next[b.name][name].draining = true;
        }
      }
    }
    state = next;
    return compute::Status::OK();
  }
  compute::Result<ProxyState> Read() override {
    for (auto& [b, servers] : state) {
      for (auto& [name, st] : servers) {
        st.up = up.count(name) > 0;
        st.sessions = sessions[name];
      }
    }
    return state;
  }
  const ProxyServer* Server(const std::string& name) const {
    for (const auto& b : last.backends) {
      for (const auto& s : b.servers) {
        if (s.name == name) return &s;
      }
    }
    return nullptr;
  }

  ProxyConfig last;
  ProxyState state;
  std::set<std::string> up;
  std::map<std::string, int> sessions;
  int applies = 0;
};

class BalancerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = testenv::OpenTestCloud({dir_.path() + "/home"});
    svc_ = std::make_unique<compute::ComposedService>(*base_);
    svc_->Use(vms_);
    std::string src = dir_.path() + "/app.raw";
    base::WriteFile(src, 1 << 20, 5);
    compute::Image im;
    im.name = "app-v1";
    im.raw_disk = compute::RawDisk{src, "", ""};
    ASSERT_TRUE(base_->images().Insert("local", im, {}).ok());
    auto t = compute::InstanceTemplateFromJson(
        {{"name", "web-1"},
         {"properties",
          {{"machineType", "e2-micro"},
           {"disks",
            {{{"boot", true},
              {"initializeParams", {{"sourceImage", "global/images/app-v1"}}}}}}}}});
    ASSERT_TRUE(base_->instance_templates().Insert("local", *t, {}).ok());
    auto hc = compute::HealthCheckFromJson({{"name", "hc"}, {"type", "HTTP"}});
    ASSERT_TRUE(base_->health_checks().Insert("local", *hc, {}).ok());
    for (const char* name : {"blue", "green"}) {
      auto g = compute::InstanceGroupManagerFromJson(
          {{"name", name}, {"instanceTemplate", "web-1"}, {"targetSize", 0}});
      ASSERT_TRUE(base_->instance_group_managers().Insert("local", "local-a", *g, {}).ok());
      ASSERT_TRUE(base_->instance_groups()
                      .SetNamedPorts("local", "local-a", name, {{"http", 80}}, "", {})
                      .ok());
    }
    auto bs = compute::BackendServiceFromJson(
        {{"name", "web-bs"},
         {"healthChecks", {"hc"}},
         {"backends", {{{"group", "zones/local-a/instanceGroups/blue"}}}}});
    ASSERT_TRUE(base_->backend_services().Insert("local", *bs, {}).ok());
    auto m = compute::UrlMapFromJson({{"name", "web-map"}, {"defaultService", "web-bs"}});
    ASSERT_TRUE(base_->url_maps().Insert("local", *m, {}).ok());
    auto p = compute::TargetHttpProxyFromJson({{"name", "web-proxy"}, {"urlMap", "web-map"}});
    ASSERT_TRUE(base_->target_http_proxies().Insert("local", *p, {}).ok());
    auto r = compute::ForwardingRuleFromJson(
        {{"name", "web-fr"}, {"target", "web-proxy"}, {"portRange", "1"}});
    ASSERT_TRUE(base_->global_forwarding_rules().Insert("local", *r, {}).ok());
    balancer_ = std::make_unique<Balancer>(*svc_, proxy_, "local", [this] { return now_; });
  }

  // An instance of `group` with guest port 80 forwarded to `host_port`.
  void AddVm(const std::string& group, const std::string& name, int host_port) {
    auto igm = base_->instance_group_managers().Get("local", "local-a", group);
    ASSERT_TRUE(igm.ok());
    compute::Instance in;
    in.name = name;
    in.metadata.items = {{"created-by", igm->self_link}};
    if (host_port) in.forwarded_ports.push_back({80, host_port, "127.0.0.1"});
    ASSERT_TRUE(vms_.Insert("local", "local-a", in, {}).ok());
  }
  std::string Url(const std::string& name) {
    return "https://x/compute/v1/projects/local/zones/local-a/instances/" + name;
  }
  BalancerReport Step() {
    now_ += compute::kMicrosPerSecond;
    auto r = balancer_->Step();
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : BalancerReport{};
  }

  base::TempDir dir_;
  std::unique_ptr<compute::Service> base_;
  testenv::FakeInstances vms_;
  std::unique_ptr<compute::ComposedService> svc_;
  FakeProxy proxy_;
  std::unique_ptr<Balancer> balancer_;
  int64_t now_ = 1'000'000'000;
};

TEST_F(BalancerTest, ServesTheGroupsRunningInstancesThroughTheirForwardedPorts) {
  AddVm("blue", "blue-1", 40001);
  AddVm("blue", "blue-2", 40002);
  AddVm("blue", "blue-3", 0);        // No forwarded port 80: it cannot be reached.
  AddVm("green", "green-1", 40009);  // Not a backend.
  vms_.Kill("blue-2");
  BalancerReport r = Step();
  ASSERT_EQ(proxy_.last.frontends.size(), 1u);
  EXPECT_EQ(proxy_.last.frontends[0].address, "127.0.0.1");
  EXPECT_EQ(proxy_.last.frontends[0].port, 1);
  EXPECT_EQ(proxy_.last.frontends[0].backend, "web-bs");
  ASSERT_EQ(proxy_.last.backends.size(), 1u);
  const ProxyBackend& b = proxy_.last.backends[0];
  EXPECT_EQ(b.check.http->request_path, "/");
  ASSERT_EQ(b.servers.size(), 1u);
  EXPECT_EQ(b.servers[0].name, "blue-1.local-a");
  EXPECT_EQ(b.servers[0].port, 40001);
  EXPECT_EQ(b.servers[0].check_port, 40001);
  EXPECT_EQ(b.servers[0].weight, 100);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("blue-3 forwards no host port for guest port 80"), std::string::npos)
      << r.errors[0];
}

TEST_F(BalancerTest, CapacityScalerIsTheWeight) {
  AddVm("blue", "blue-1", 40001);
  auto bs = base_->backend_services().Get("local", "web-bs");
  Json patch = {
      {"backends", {{{"group", "zones/local-a/instanceGroups/blue"}, {"capacityScaler", 0.5}}}}};
  ASSERT_TRUE(base_->backend_services().Patch("local", "web-bs", patch, {}).ok());
  Step();
  ASSERT_NE(proxy_.Server("blue-1.local-a"), nullptr);
  EXPECT_EQ(proxy_.Server("blue-1.local-a")->weight, 50);
  patch["backends"][0]["capacityScaler"] = 0;
  ASSERT_TRUE(base_->backend_services().Patch("local", "web-bs", patch, {}).ok());
  Step();
  EXPECT_EQ(proxy_.Server("blue-1.local-a")->weight, 0);
}

TEST_F(BalancerTest, AnInstanceLeavesOnlyOnceDrained) {
  AddVm("blue", "blue-1", 40001);
  AddVm("blue", "blue-2", 40002);
  proxy_.up = {"blue-1.local-a", "blue-2.local-a"};
  Step();
  EXPECT_FALSE(balancer_->ReadyToRemove(Url("blue-1")));  // It serves: drain first.
  proxy_.sessions["blue-1.local-a"] = 3;
  Step();
  ASSERT_NE(proxy_.Server("blue-1.local-a"), nullptr);
  EXPECT_TRUE(proxy_.Server("blue-1.local-a")->draining);
  EXPECT_FALSE(proxy_.Server("blue-2.local-a")->draining);
  EXPECT_FALSE(balancer_->ReadyToRemove(Url("blue-1")));
  Step();  // Requests in flight: it stays, draining.
  ASSERT_NE(proxy_.Server("blue-1.local-a"), nullptr);
  EXPECT_TRUE(proxy_.Server("blue-1.local-a")->draining);
  proxy_.sessions["blue-1.local-a"] = 0;
  EXPECT_FALSE(balancer_->ReadyToRemove(Url("blue-1")));
  Step();  // Idle: removed.
  EXPECT_EQ(proxy_.Server("blue-1.local-a"), nullptr);
  EXPECT_TRUE(balancer_->ReadyToRemove(Url("blue-1")));
  EXPECT_FALSE(balancer_->ReadyToRemove(Url("blue-2")));
}

TEST_F(BalancerTest, ALeavingMarkNotAskedForAgainLapses) {
  AddVm("blue", "blue-1", 40001);
  AddVm("blue", "blue-2", 40002);
  proxy_.up = {"blue-1.local-a", "blue-2.local-a"};
  Step();
  EXPECT_FALSE(balancer_->ReadyToRemove(Url("blue-1")));
  proxy_.sessions["blue-1.local-a"] = 1;  // Still busy: not gone yet.
  Step();
  EXPECT_TRUE(proxy_.Server("blue-1.local-a")->draining);
  // The group changed its mind (a newer spec): nobody asks again.
  Step();
  Step();
  Step();
  ASSERT_NE(proxy_.Server("blue-1.local-a"), nullptr);
  EXPECT_FALSE(proxy_.Server("blue-1.local-a")->draining);
}

TEST_F(BalancerTest, ASwitchedBackendServesUntilTheNewGroupIsUp) {
  AddVm("blue", "blue-1", 40001);
  AddVm("green", "green-1", 40011);
  proxy_.up = {"blue-1.local-a"};
  Step();
  Json patch = {{"backends", {{{"group", "zones/local-a/instanceGroups/green"}}}}};
  ASSERT_TRUE(base_->backend_services().Patch("local", "web-bs", patch, {}).ok());
  Step();  // Green is not up yet: blue keeps serving, not draining.
  ASSERT_NE(proxy_.Server("green-1.local-a"), nullptr);
  ASSERT_NE(proxy_.Server("blue-1.local-a"), nullptr);
  EXPECT_FALSE(proxy_.Server("blue-1.local-a")->draining);
  Step();
  EXPECT_FALSE(proxy_.Server("blue-1.local-a")->draining);
  proxy_.up.insert("green-1.local-a");
  proxy_.sessions["blue-1.local-a"] = 1;
  Step();  // Green is up: blue drains.
  ASSERT_NE(proxy_.Server("blue-1.local-a"), nullptr);
  EXPECT_TRUE(proxy_.Server("blue-1.local-a")->draining);
  proxy_.sessions["blue-1.local-a"] = 0;
  Step();
  EXPECT_EQ(proxy_.Server("blue-1.local-a"), nullptr);
  EXPECT_NE(proxy_.Server("green-1.local-a"), nullptr);
}

TEST_F(BalancerTest, GetHealthSaysWhatTheProxySees) {
  AddVm("blue", "blue-1", 40001);
  AddVm("blue", "blue-2", 40002);
  proxy_.up = {"blue-1.local-a"};
  Step();
  Step();
  auto h =
      base_->backend_services().GetHealth("local", "web-bs", "zones/local-a/instanceGroups/blue");
  ASSERT_TRUE(h.ok()) << h.status().message();
  std::map<std::string, std::string> states;
  for (const auto& s : h->health_status) states[compute::LastSegment(s.instance)] = s.health_state;
  EXPECT_EQ(states,
            (std::map<std::string, std::string>{{"blue-1", "HEALTHY"}, {"blue-2", "UNHEALTHY"}}));
}

TEST_F(BalancerTest, NoForwardingRuleNoProxy) {
  AddVm("blue", "blue-1", 40001);
  Step();
  EXPECT_FALSE(proxy_.last.frontends.empty());
  ASSERT_TRUE(base_->global_forwarding_rules().Delete("local", "web-fr", {}).ok());
  Step();
  EXPECT_TRUE(proxy_.last.frontends.empty());
  EXPECT_TRUE(proxy_.last.backends.empty());
}

}  // namespace
}  // namespace imago::lb
