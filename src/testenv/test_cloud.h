// A real local cloud in a directory, behind the waist: for the unit tests of
// the modules above it (lifecycle, bake, server), which may not include
// src/localcloud. Real SQLite, real files, real QEMU when a test boots.
#ifndef IMAGO_TESTENV_TEST_CLOUD_H_
#define IMAGO_TESTENV_TEST_CLOUD_H_

#include <memory>
#include <string>

#include "compute/service.h"
#include "compute/time_util.h"

namespace imago::testenv {

struct TestCloudOptions {
  std::string home;                       // Created when missing.
  const compute::Clock* clock = nullptr;  // Not owned; nullptr: the system clock.
};

/// Opens the local cloud in options.home; aborts the test on failure.
std::unique_ptr<compute::Service> OpenTestCloud(const TestCloudOptions& options);

/// The file holding an image's content in a cloud OpenTestCloud made.
std::string ImageContentPath(compute::Service& cloud, const std::string& project,
                             const std::string& image);

}  // namespace imago::testenv

#endif  // IMAGO_TESTENV_TEST_CLOUD_H_
