// Rotation benchmark: 100,000 images in 10,000 families (10 versions each, a
// minute apart) in a LocalCloud. Measures:
//   - imago's planner: time, and Service calls (list calls only);
//   - applying the plan: Service calls against the number of changes;
//   - baseline, in the same process: a naive rotator that works the way a
//     gcloud-based script does: per family one filtered list for the names,
//     one getFromFamily for the head, and one get per image.
//
// Usage: rotate_bench [--images N] [--families F] [--dir DIR] [--no-apply]
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "bench/bench_util.h"
#include "compute/counting_service.h"
#include "lifecycle/rotation.h"

using namespace imago;
using bench::Check;
using bench::Since;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  int images = 100000, families = 10000;
  bool apply = true;
  std::string dir = "/tmp/imago-bench-rotate";
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--images") && i + 1 < argc) images = atoi(argv[++i]);
    if (!strcmp(argv[i], "--families") && i + 1 < argc) families = atoi(argv[++i]);
    if (!strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
    if (!strcmp(argv[i], "--no-apply")) apply = false;
  }
  compute::TimeUs t0 = *compute::ParseTimestamp("2026-01-01T00:00:00Z");
  compute::ManualClock clock(t0);
  auto start = Clock::now();
  auto cloud = bench::OpenWithSeed(dir, &clock);
  compute::Service& svc = *cloud;
  int per_family = images / families;
  for (int v = 0; v < per_family; ++v) {
    for (int f = 0; f < families; ++f) {
      clock.Advance(compute::kMicrosPerSecond);  // Distinct creation times.
      compute::Image im;
      im.name = fmt::format("f{}-v{}", f, v);
      im.family = fmt::format("f{}", f);
      im.source_image = "seed";
      Check(svc.images().Insert("local", im, {}).status(), "insert");
    }
  }
  fmt::print("catalog: {} images in {} families ({} versions each), made in {:.1f} s\n\n", images,
             families, per_family, Since(start));
  compute::TimeUs now = clock.Now() + 2 * 86400 * compute::kMicrosPerSecond;
  lifecycle::RotationPolicy policy;

  // imago's planner.
  compute::CountingService counted(svc);
  start = Clock::now();
  auto plan = lifecycle::PlanRotation(counted, "local", policy, std::nullopt, now);
  double plan_s = Since(start);
  Check(plan.status(), "plan");
  int plan_calls = counted.Total();

  // The naive rotator's reads: what a script around gcloud does.
  compute::CountingService naive(svc);
  start = Clock::now();
  size_t naive_images = 0;
  for (int f = 0; f < families; ++f) {
    std::string family = fmt::format("f{}", f);
    compute::ListOptions lo;
    lo.filter = "family = " + family;
    std::vector<std::string> names;
    while (true) {
      auto page = naive.images().List("local", lo);
      Check(page.status(), "naive list");
      for (auto& im : page->items) names.push_back(im.name);
      if (page->next_page_token.empty()) break;
      lo.page_token = page->next_page_token;
    }
    Check(naive.images().GetFromFamily("local", family).status(), "naive head");
    for (const auto& n : names) {
      Check(naive.images().Get("local", n).status(), "naive get");
      ++naive_images;
    }
  }
  double naive_s = Since(start);

  fmt::print("{:<52} {:>10} {:>12} {:>10}\n", "reading what to rotate", "seconds", "calls",
             "vs naive");
  fmt::print("{:<52} {:>10.2f} {:>12} {:>10}\n",
             "naive: list per family + get per image (baseline)", naive_s, naive.Total(),
             "baseline");
  fmt::print("{:<52} {:>10.2f} {:>12} {:>9.3g}x\n", "imago rotate: plan", plan_s, plan_calls,
             plan_s / naive_s);
  fmt::print("call ratio naive/imago: {:.0f}x fewer calls; time ratio: {:.1f}x faster\n",
             static_cast<double>(naive.Total()) / plan_calls, naive_s / plan_s);
  fmt::print("plan: {} families, {} images, {} changes, {} skips, {} list calls\n", plan->families,
             plan->images, plan->changes.size(), plan->skips.size(), plan->list_calls);
  fmt::print("goal: plan < 2 s: {}\n", plan_s < 2 ? "met" : "NOT met");

  if (apply) {
    counted.Reset();
    start = Clock::now();
    auto r = lifecycle::ApplyPlan(counted, "local", *plan, nullptr);
    double apply_s = Since(start);
    fmt::print("\napply: {} changes in {:.1f} s ({:.0f}/s), {} failed; Service calls: {}\n",
               r.applied, apply_s, r.applied / apply_s, r.failed.size(), counted.Total());
    fmt::print("goal: Service calls = changes + list calls: {} = {} + {}: {}\n",
               counted.Total() + plan_calls, plan->changes.size(), plan_calls,
               counted.Total() == static_cast<int>(plan->changes.size()) ? "met" : "NOT met");
  }
  std::filesystem::remove_all(dir);
  return 0;
}
