// imago serve under load: requests per second and latency of
// images.getFromFamily and images.get over HTTP/1.1 with keep-alive, against
// the same calls in-process (Service, and RestApi without sockets) in the
// same run, on a catalog of 10,000 images in 1,000 families.
//
//   build/serve_bench [SECONDS_PER_RUN] [CLIENT_CONNECTIONS]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "server/http_server.h"
#include "server/rest_api.h"

namespace imago::bench {
namespace {

constexpr int kImages = 10000;
constexpr int kFamilies = 1000;

struct Result {
  double rps = 0;
  double p50_ms = 0, p99_ms = 0;
  long requests = 0;
};

std::string FamilyPath(int f) {
  return fmt::format("/compute/v1/projects/local/global/images/family/fam-{}", f);
}
std::string ImagePath(int i) {
  return fmt::format("/compute/v1/projects/local/global/images/img-{}", i);
}

// Runs `call(rng)` from `threads` threads for `seconds`; every call must succeed.
template <typename Call>
Result Drive(int threads, double seconds, const Call& call) {
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> lat(threads);
  std::vector<std::thread> ts;
  auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      std::mt19937 rng(t + 1);
      auto state = call.Start();
      while (!stop.load(std::memory_order_relaxed)) {
        auto a = std::chrono::steady_clock::now();
        if (!call(state, rng)) {
          fmt::print(stderr, "a request failed\n");
          exit(1);
        }
        lat[t].push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a)
                .count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : ts) t.join();
  double elapsed = Since(t0);
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Result r;
  r.requests = static_cast<long>(all.size());
  r.rps = all.size() / elapsed;
  r.p50_ms = all[all.size() / 2];
  r.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  return r;
}

struct InProcess {
  compute::Service& svc;
  bool family;
  int Start() const { return 0; }
  bool operator()(int, std::mt19937& rng) const {
    if (family)
      return svc.images().GetFromFamily("local", fmt::format("fam-{}", rng() % kFamilies)).ok();
    return svc.images().Get("local", fmt::format("img-{}", rng() % kImages)).ok();
  }
};

struct ViaRestApi {
  server::RestApi& api;
  bool family;
  int Start() const { return 0; }
  bool operator()(int, std::mt19937& rng) const {
    server::HttpRequest req;
    req.method = "GET";
    req.path = family ? FamilyPath(rng() % kFamilies) : ImagePath(rng() % kImages);
    server::HttpResponse r = api.Handle(req);
    return r.status == 200 && !r.body.dump().empty();
  }
};

struct ViaHttp {
  int port;
  std::string token;
  bool family;
  std::shared_ptr<httplib::Client> Start() const {
    auto c = std::make_shared<httplib::Client>("127.0.0.1", port);
    c->set_keep_alive(true);
    c->set_default_headers({{"Authorization", "Bearer " + token}});
    return c;
  }
  bool operator()(std::shared_ptr<httplib::Client>& c, std::mt19937& rng) const {
    auto r = c->Get(family ? FamilyPath(rng() % kFamilies) : ImagePath(rng() % kImages));
    return r && r->status == 200;
  }
};

void Print(const char* what, const Result& r, double baseline_rps) {
  fmt::print("{:<52} {:>10.0f} {:>9.3f} {:>9.3f} {:>9.2f}x\n", what, r.rps, r.p50_ms, r.p99_ms,
             baseline_rps > 0 ? baseline_rps / r.rps : 1.0);
}

int Main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 5;
  int connections = argc > 2 ? atoi(argv[2]) : 4;
  std::string dir = "/tmp/imago-serve-bench";
  auto cloud = OpenWithSeed(dir, nullptr);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kImages; ++i) {
    compute::Image im;
    im.name = fmt::format("img-{}", i);
    im.family = fmt::format("fam-{}", i % kFamilies);
    im.source_image = "seed";
    Check(cloud->images().Insert("local", im, {}).status(), "insert");
  }
  fmt::print(
      "catalog: {} images in {} families, made in {:.1f} s; {} s per run, {} client "
      "connections/threads, {} cores\n\n",
      kImages, kFamilies, Since(t0), seconds, connections, std::thread::hardware_concurrency());
  server::RestApi api(*cloud, "http://127.0.0.1:0/compute/v1/");
  server::ServeOptions opts;
  opts.port = 0;
  opts.token = std::string(64, 't');
  server::HttpServer http(opts);
  Check(http.Bind(), "bind");
  server::RestApi served(*cloud, fmt::format("http://127.0.0.1:{}/compute/v1/", http.port()));
  std::thread server([&] { http.Run(served); });
  while (!http.running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  fmt::print("{:<52} {:>10} {:>9} {:>9} {:>10}\n", "", "req/s", "p50 ms", "p99 ms", "vs in-proc");
  for (bool family : {true, false}) {
    const char* name = family ? "images.getFromFamily" : "images.get";
    Result base = Drive(connections, seconds, InProcess{*cloud, family});
    Print(fmt::format("{}: Service, in process (baseline)", name).c_str(), base, 0);
    Print(fmt::format("{}: RestApi, in process (no sockets)", name).c_str(),
          Drive(connections, seconds, ViaRestApi{api, family}), base.rps);
    Result h = Drive(connections, seconds, ViaHttp{http.port(), opts.token, family});
    Print(fmt::format("{}: HTTP keep-alive on loopback", name).c_str(), h, base.rps);
    fmt::print("  goal >= 10,000 req/s over HTTP: {}\n\n", h.rps >= 10000 ? "met" : "NOT met");
  }
  http.Stop();
  server.join();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace imago::bench

int main(int argc, char** argv) {
  return imago::bench::Main(argc, argv);
}
