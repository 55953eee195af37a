// What the catalog benchmarks share: failing loudly, and a fresh local
// cloud holding one imported "seed" image that others are copied from (same
// content, so the catalog is measured, not the disk).
#ifndef IMAGO_BENCH_BENCH_UTIL_H_
#define IMAGO_BENCH_BENCH_UTIL_H_

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "localcloud/local_cloud.h"

namespace imago::bench {

inline void Check(const compute::Status& st, const char* what) {
  if (!st.ok()) {
    fmt::print(stderr, "{}: {}\n", what, st.message());
    exit(1);
  }
}

inline double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Empties `dir`, opens a LocalCloud in dir/home (on `clock` when given) and
/// imports a 64 KiB image named "seed" into project "local".
inline std::unique_ptr<localcloud::LocalCloud> OpenWithSeed(const std::string& dir,
                                                            const compute::Clock* clock) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir + "/seed.raw", std::ios::binary);
    std::string block(65536, 'x');
    f.write(block.data(), block.size());
  }
  localcloud::LocalCloudOptions opts;
  opts.home = dir + "/home";
  opts.clock = clock;
  auto cloud = localcloud::LocalCloud::Open(opts);
  Check(cloud.status(), "open");
  compute::Image seed;
  seed.name = "seed";
  seed.raw_disk = compute::RawDisk{dir + "/seed.raw", "", ""};
  Check((*cloud)->images().Insert("local", seed, {}).status(), "import");
  return std::move(cloud.value());
}

}  // namespace imago::bench

#endif  // IMAGO_BENCH_BENCH_UTIL_H_
