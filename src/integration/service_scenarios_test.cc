// One scenario suite, several clouds: the same tests run on LocalCloud
// directly, on GceClient -> HTTP -> imago serve's RestApi -> LocalCloud, and
// on the same through a loopback proxy that injects faults into 20% of the
// requests. Passing on all of them is the proof that the waist holds: code
// above compute::Service cannot tell the clouds apart, and retries keep
// every mutation exactly-once.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <random>
#include <thread>

#include "base/testing.h"
#include "gce/gce_client.h"
#include "localcloud/local_cloud.h"
#include "server/http_server.h"
#include "server/rest_api.h"

namespace imago::gce {
namespace {

using compute::Code;

constexpr const char* kToken = "scenario-token-0123456789abcdef0123456789abcdef";

/// A loopback HTTP proxy that forwards to `target_port` and, for a share of
/// the requests, injects one of the faults of a real network and API:
/// 503 or 429 (Retry-After: 1) without forwarding; forwarding and then
/// losing the answer (503 after the effect); a slow answer; the connection
/// cut before forwarding (headers promise a body that never comes); the
/// connection cut in the middle of the real answer, after the effect.
/// Named a fault proxy: it stands in for a flaky network and API.
class FaultProxy {
 public:
  FaultProxy(int target_port, double rate) : target_port_(target_port), rate_(rate) {
    server_.set_tcp_nodelay(true);
    auto handle = [this](const httplib::Request& req, httplib::Response& res) {
      int fault = Draw();
      if (fault == 1) return Answer(res, 503, "");
      if (fault == 2) {
        res.set_header("Retry-After", "1");
        return Answer(res, 429, "");
      }
      if (fault == 4) std::this_thread::sleep_for(std::chrono::milliseconds(300));
      if (fault == 5) return Cut(res, R"({"kind": "compute#operation", "na)");
      httplib::Client c("127.0.0.1", target_port_);
      httplib::Headers h;
      for (const auto& [k, v] : req.headers) {
        if (k == "Authorization" || k == "Content-Type") h.emplace(k, v);
      }
      std::string path = req.target;
      httplib::Result r = req.method == "GET"      ? c.Get(path, h)
                          : req.method == "DELETE" ? c.Delete(path, h, req.body, "application/json")
                          : req.method == "PATCH"  ? c.Patch(path, h, req.body, "application/json")
                                                   : c.Post(path, h, req.body, "application/json");
      if (!r) return Answer(res, 502, "");
      if (fault == 3) return Answer(res, 503, "");  // The effect happened; the answer is lost.
      if (fault == 6) return Cut(res, r->body.substr(0, r->body.size() / 2));
      res.status = r->status;
      res.set_content(r->body, "application/json");
    };
    server_.Get(".*", handle);
    server_.Post(".*", handle);
    server_.Patch(".*", handle);
    server_.Delete(".*", handle);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the loop runs would be lost and join() would hang.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FaultProxy() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  long faults() const { return faults_; }
  /// How many faults of each kind (1..kKinds) were injected.
  long faults_of_kind(int kind) {
    std::lock_guard lock(mu_);
    return by_kind_[kind];
  }
  static constexpr int kKinds = 6;

 private:
  static void Answer(httplib::Response& res, int status, const std::string& body) {
    res.status = status;
    res.set_content(body, "application/json");
  }
  /// 200 with a Content-Length of 4 KiB, `part` of the body, then the
  /// connection closes (a provider returning false makes cpp-httplib drop it).
  static void Cut(httplib::Response& res, std::string part) {
    res.status = 200;
    res.set_content_provider(part.size() + 4096, "application/json",
                             [part](size_t offset, size_t, httplib::DataSink& sink) {
                               if (offset == 0 && !part.empty())
                                 sink.write(part.data(), part.size());
                               return false;
                             });
  }
  int Draw() {
    std::lock_guard lock(mu_);
    if (std::uniform_real_distribution<double>(0, 1)(rng_) >= rate_) return 0;
    int kind = 1 + static_cast<int>(faults_ % kKinds);  // Every kind, in turn.
    ++faults_;
    ++by_kind_[kind];
    return kind;
  }

  int target_port_;
  double rate_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::mt19937 rng_{42};
  std::atomic<long> faults_{0};
  long by_kind_[kKinds + 1] = {};
};

/// The clouds the suite runs on.
enum class Backend { kLocal, kGce, kGceWithFaults };

std::string Name(const ::testing::TestParamInfo<Backend>& info) {
  switch (info.param) {
    case Backend::kLocal:
      return "LocalCloud";
    case Backend::kGce:
      return "GceClientOverServe";
    case Backend::kGceWithFaults:
      return "GceClientThroughFaultProxy";
  }
  return "unknown";
}

class ServiceScenarios : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    localcloud::LocalCloudOptions o;
    o.home = dir_.path() + "/home";
    cloud_ = std::move(localcloud::LocalCloud::Open(o).value());
    if (GetParam() == Backend::kLocal) {
      svc_ = cloud_.get();
    } else {
      server::ServeOptions so;
      so.port = 0;
      so.token = kToken;
      http_ = std::make_unique<server::HttpServer>(so);
      ASSERT_TRUE(http_->Bind().ok());
      api_ = std::make_unique<server::RestApi>(
          *cloud_, "http://127.0.0.1:" + std::to_string(http_->port()) + "/compute/v1/");
      serve_thread_ = std::thread([this] { http_->Run(*api_); });
      while (!http_->running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      int port = http_->port();
      if (GetParam() == Backend::kGceWithFaults) {
        proxy_ = std::make_unique<FaultProxy>(port, 0.2);
        port = proxy_->port();
      }
      GceClientOptions go;
      go.endpoint = "http://127.0.0.1:" + std::to_string(port) + "/compute/v1/";
      go.credentials = std::make_shared<AccessTokenCredentials>(kToken, "the test");
      go.retry.initial_backoff = std::chrono::milliseconds(5);
      go.retry.max_backoff = std::chrono::milliseconds(50);
      // Retry-After says 1 s; the test sleeps less so that it stays fast.
      go.sleep = [](std::chrono::milliseconds d) {
        std::this_thread::sleep_for(std::min(d, std::chrono::milliseconds(50)));
      };
      client_ = std::make_unique<GceClient>(go);
      svc_ = client_.get();
    }
    std::string src = dir_.path() + "/seed.raw";
    base::WriteFile(src, 1 << 20, 7);
    compute::Image seed;
    seed.name = "seed";
    seed.raw_disk = compute::RawDisk{src, "", ""};
    ASSERT_TRUE(cloud_->images().Insert("p", seed, {}).ok());  // Files are local to the cloud.
  }

  void TearDown() override {
    client_.reset();
    proxy_.reset();
    if (http_) {
      http_->Stop();
      serve_thread_.join();
    }
  }

  void Create(const std::string& name, const std::string& family) {
    compute::Image im;
    im.name = name;
    im.family = family;
    im.source_image = "global/images/seed";
    auto op = svc_->images().Insert("p", im, {});
    ASSERT_TRUE(op.ok()) << op.status().message();
    ASSERT_TRUE(op->done());
    ASSERT_FALSE(op->failed());
  }

  std::string Head(const std::string& family) {
    auto im = svc_->images().GetFromFamily("p", family);
    return im.ok() ? im->name : "error: " + im.status().message();
  }

  base::TempDir dir_;
  std::unique_ptr<localcloud::LocalCloud> cloud_;
  std::unique_ptr<server::HttpServer> http_;
  std::unique_ptr<server::RestApi> api_;
  std::thread serve_thread_;
  std::unique_ptr<FaultProxy> proxy_;
  std::unique_ptr<GceClient> client_;
  compute::Service* svc_ = nullptr;
};

TEST_P(ServiceScenarios, SeedWalkthroughAndDeprecation) {
  Create("image-v1", "my-image-family");
  EXPECT_EQ(Head("my-image-family"), "image-v1");
  Create("image-v2", "my-image-family");
  EXPECT_EQ(Head("my-image-family"), "image-v2");
  compute::DeprecationStatus d;
  d.state = compute::DeprecationState::kDeprecated;
  d.replacement = "global/images/image-v1";
  ASSERT_TRUE(svc_->images().Deprecate("p", "image-v2", d, {}).ok());
  EXPECT_EQ(Head("my-image-family"), "image-v1");
  auto v2 = svc_->images().Get("p", "image-v2");
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->State(), compute::DeprecationState::kDeprecated);
  ASSERT_TRUE(svc_->images().Deprecate("p", "image-v2", std::nullopt, {}).ok());
  EXPECT_EQ(Head("my-image-family"), "image-v2");
  // A DEPRECATED source warns; an OBSOLETE one is refused.
  d.state = compute::DeprecationState::kObsolete;
  d.replacement.clear();
  ASSERT_TRUE(svc_->images().Deprecate("p", "image-v1", d, {}).ok());
  compute::Image copy;
  copy.name = "copy";
  copy.source_image = "image-v1";
  auto refused = svc_->images().Insert("p", copy, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kInvalid);
  EXPECT_NE(refused.status().message().find("obsolete"), std::string::npos);
}

TEST_P(ServiceScenarios, ErrorsAreTheSameOnEveryCloud) {
  Create("v1", "app");
  EXPECT_EQ(svc_->images().Get("p", "nope").status().code(), Code::kNotFound);
  EXPECT_EQ(svc_->images().GetFromFamily("p", "nope").status().code(), Code::kNotFound);
  compute::Image dup;
  dup.name = "v1";
  dup.source_image = "seed";
  EXPECT_EQ(svc_->images().Insert("p", dup, {}).status().code(), Code::kAlreadyExists);
  auto im = svc_->images().Get("p", "v1");
  ASSERT_TRUE(
      svc_->images().SetLabels("p", "v1", {{"env", "dev"}}, im->label_fingerprint, {}).ok());
  auto stale = svc_->images().SetLabels("p", "v1", {{"env", "x"}}, im->label_fingerprint, {});
  EXPECT_EQ(stale.status().code(), Code::kConditionNotMet);
  compute::ListOptions bad;
  bad.filter = "name = (";
  EXPECT_EQ(svc_->images().List("p", bad).status().code(), Code::kInvalid);
  EXPECT_EQ(svc_->disks().Get("p", "local-a", "nope").status().code(), Code::kNotFound);
  EXPECT_EQ(svc_->disks().Get("p", "mars-a", "nope").status().code(), Code::kNotFound);
}

TEST_P(ServiceScenarios, PagingAndFilters) {
  for (int i = 0; i < 7; ++i) Create("page-" + std::to_string(i), i % 2 ? "odd" : "even");
  compute::ListOptions o;
  o.max_results = 3;
  int calls = 0;
  auto all = compute::ListAllImages(svc_->images(), "p", o, &calls);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(all->size(), 8u);  // 7 and the seed.
  EXPECT_EQ(calls, 3);
  compute::ListOptions f;
  f.filter = "family = odd";
  auto odd = compute::ListAllImages(svc_->images(), "p", f);
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->size(), 3u);
}

TEST_P(ServiceScenarios, MutationsHappenExactlyOnce) {
  // Many mutations: with 20% faults, several are retried after their
  // effect; each must still have happened once.
  for (int i = 0; i < 20; ++i) Create("once-" + std::to_string(i), "once");
  for (int i = 0; i < 20; i += 2) {
    auto im = svc_->images().Get("p", "once-" + std::to_string(i));
    ASSERT_TRUE(im.ok());
    ASSERT_TRUE(svc_->images()
                    .SetLabels("p", im->name, {{"n", std::to_string(i)}}, im->label_fingerprint, {})
                    .ok());
  }
  for (int i = 1; i < 20; i += 2) {
    ASSERT_TRUE(svc_->images().Delete("p", "once-" + std::to_string(i), {}).ok());
  }
  compute::ListOptions f;
  f.filter = "family = once";
  auto left = compute::ListAllImages(svc_->images(), "p", f);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->size(), 10u);
  for (const auto& im : *left) EXPECT_EQ(im.labels.size(), 1u) << im.name;
  // The journal holds exactly one operation per mutation.
  auto ops = cloud_->operations().List(compute::Scope::Global("p"), {});
  ASSERT_TRUE(ops.ok());
  int inserts = 0, labels = 0, deletes = 0;
  compute::ListOptions all_ops;
  auto every = cloud_->operations().List(compute::Scope::Global("p"), all_ops);
  std::string token;
  do {
    all_ops.page_token = token;
    auto page = cloud_->operations().List(compute::Scope::Global("p"), all_ops);
    ASSERT_TRUE(page.ok());
    for (const auto& op : page->items) {
      if (op.failed()) continue;
      inserts += op.operation_type == "insert";
      labels += op.operation_type == "setLabels";
      deletes += op.operation_type == "delete";
    }
    token = page->next_page_token;
  } while (!token.empty());
  EXPECT_EQ(inserts, 21);  // 20 and the seed.
  EXPECT_EQ(labels, 10);
  EXPECT_EQ(deletes, 10);
  if (proxy_) {
    EXPECT_GT(proxy_->faults(), 5);  // The faults really happened, every kind of them.
    for (int kind = 1; kind <= FaultProxy::kKinds; ++kind) {
      EXPECT_GT(proxy_->faults_of_kind(kind), 0) << "fault kind " << kind;
    }
    EXPECT_GT(client_->stats().retries, 5);
  }
}

TEST_P(ServiceScenarios, DisksSnapshotsAndZoneOperations) {
  Create("base-v1", "base");
  compute::Disk d;
  d.name = "data";
  d.source_image = "global/images/family/base";
  auto op = svc_->disks().Insert("p", "local-a", d, {});
  ASSERT_TRUE(op.ok()) << op.status().message();
  EXPECT_NE(op->zone.find("zones/local-a"), std::string::npos);
  auto disk = svc_->disks().Get("p", "local-a", "data");
  ASSERT_TRUE(disk.ok());
  EXPECT_NE(disk->source_image.find("global/images/base-v1"), std::string::npos);
  compute::Snapshot s;
  s.name = "data-snap";
  ASSERT_TRUE(svc_->disks().CreateSnapshot("p", "local-a", "data", s, {}).ok());
  EXPECT_EQ(svc_->snapshots().Get("p", "data-snap")->status, "READY");
  auto zones = compute::ListAllZones(svc_->zones(), "p");
  ASSERT_TRUE(zones.ok());
  EXPECT_EQ(zones->size(), 3u);
  auto zops = svc_->operations().List({"p", "local-a"}, {});
  ASSERT_TRUE(zops.ok());
  EXPECT_GE(zops->items.size(), 2u);
  ASSERT_TRUE(svc_->snapshots().Delete("p", "data-snap", {}).ok());
  ASSERT_TRUE(svc_->disks().Delete("p", "local-a", "data", {}).ok());
  EXPECT_EQ(svc_->disks().Get("p", "local-a", "data").status().code(), Code::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Clouds, ServiceScenarios,
                         ::testing::Values(Backend::kLocal, Backend::kGce, Backend::kGceWithFaults),
                         Name);

}  // namespace
}  // namespace imago::gce
