// Catalog benchmark: 100,000 images in 10,000 families in a LocalCloud
// (SQLite on disk), all made through compute::Service.
//
// Measures per-call latency (median, p99) of
//   images.getFromFamily          vs baseline images.get (a point lookup by name)
//   list page 'family = f-123'    vs baseline 'labels.fam = f-123' (same rows,
//                                    a predicate the index cannot serve: full scan)
// and prints each figure with its ratio to its baseline.
//
// Usage: catalog_bench [--images N] [--families F] [--dir DIR]
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/bench_util.h"

using namespace imago;
using bench::Check;
using Clock = std::chrono::steady_clock;

namespace {

struct Stats {
  double median_us, p99_us, mean_us;
  size_t calls;
};

Stats Measure(size_t calls, const std::function<void(size_t)>& fn) {
  std::vector<double> us;
  us.reserve(calls);
  for (size_t i = 0; i < calls; ++i) {
    auto t0 = Clock::now();
    fn(i);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::vector<double> sorted = us;
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (double v : us) sum += v;
  return {sorted[sorted.size() / 2], sorted[sorted.size() * 99 / 100], sum / us.size(), calls};
}

void Row(const char* what, const Stats& s, const Stats* base) {
  std::string ratio = base ? fmt::format("{:.3g}x", s.median_us / base->median_us) : "baseline";
  fmt::print("{:<44} {:>10.1f} {:>10.1f} {:>8} {:>10}\n", what, s.median_us, s.p99_us, s.calls,
             ratio);
}

}  // namespace

int main(int argc, char** argv) {
  int images = 100000, families = 10000;
  std::string dir = "/tmp/imago-bench-catalog";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--images")) images = atoi(argv[i + 1]);
    if (!strcmp(argv[i], "--families")) families = atoi(argv[i + 1]);
    if (!strcmp(argv[i], "--dir")) dir = argv[i + 1];
  }
  // Populate: the seed, then copies of it.
  auto t0 = Clock::now();
  auto cloud = bench::OpenWithSeed(dir, nullptr);
  compute::Service& svc = *cloud;
  for (int i = 0; i < images; ++i) {
    compute::Image im;
    int fam = i % families;
    im.name = fmt::format("img-{:06d}", i);
    im.family = fmt::format("f-{}", fam);
    im.labels = {{"fam", im.family}};
    im.source_image = "seed";
    Check(svc.images().Insert("local", im, {}).status(), "insert");
    if (i % 20000 == 19999) fmt::print(stderr, "  populated {} images\n", i + 1);
  }
  double populate_s = std::chrono::duration<double>(Clock::now() - t0).count();
  fmt::print(
      "catalog: {} images in {} families, populated through compute::Service in {:.1f} s "
      "({:.0f} inserts/s)\n\n",
      images, families, populate_s, images / populate_s);

  std::mt19937 rng(42);
  std::uniform_int_distribution<int> pick_img(0, images - 1), pick_fam(0, families - 1);
  fmt::print("{:<44} {:>10} {:>10} {:>8} {:>10}\n", "call (in-process)", "median us", "p99 us",
             "calls", "vs base");

  Stats get = Measure(20000, [&](size_t) {
    Check(svc.images().Get("local", fmt::format("img-{:06d}", pick_img(rng))).status(), "get");
  });
  Row("images.get (baseline)", get, nullptr);
  Stats head = Measure(20000, [&](size_t) {
    Check(svc.images().GetFromFamily("local", fmt::format("f-{}", pick_fam(rng))).status(),
          "family");
  });
  Row("images.getFromFamily", head, &get);

  compute::ListOptions scan;
  Stats full = Measure(20, [&](size_t) {
    scan.filter = fmt::format("labels.fam = f-{}", pick_fam(rng));
    auto page = svc.images().List("local", scan);
    Check(page.status(), "list");
    if (page->items.size() != static_cast<size_t>(images / families)) exit(2);
  });
  Row("list 'labels.fam = f-N' (baseline: scan)", full, nullptr);
  compute::ListOptions indexed;
  Stats page = Measure(2000, [&](size_t) {
    indexed.filter = fmt::format("family = f-{}", pick_fam(rng));
    auto p = svc.images().List("local", indexed);
    Check(p.status(), "list");
    if (p->items.size() != static_cast<size_t>(images / families)) exit(2);
  });
  Row("list 'family = f-N' (one page)", page, &full);
  compute::ListOptions first;
  first.max_results = 500;
  Stats unfiltered =
      Measure(200, [&](size_t) { Check(svc.images().List("local", first).status(), "list"); });
  Row("list, no filter, 500 per page", unfiltered, &full);

  fmt::print("\ngoals: getFromFamily median < 1000 us: {}; filtered page median < 10000 us: {}\n",
             head.median_us < 1000 ? "met" : "NOT met", page.median_us < 10000 ? "met" : "NOT met");
  std::filesystem::remove_all(dir);
  return 0;
}
