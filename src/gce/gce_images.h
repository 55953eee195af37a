// GceImages: compute::Images over the REST API (projects/P/global/images).
#ifndef IMAGO_GCE_GCE_IMAGES_H_
#define IMAGO_GCE_GCE_IMAGES_H_

#include <string>

#include "compute/images.h"
#include "gce/api_caller.h"

namespace imago::gce {

class GceImages final : public compute::Images {
 public:
  explicit GceImages(ApiCaller& caller) : c_(caller) {}
  GceImages(const GceImages&) = delete;
  GceImages& operator=(const GceImages&) = delete;

  compute::Result<compute::Operation> Insert(const std::string& project,
                                             const compute::Image& image,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::Image> Get(const std::string& project,
                                      const std::string& image) override;
  compute::Result<compute::Image> GetFromFamily(const std::string& project,
                                                const std::string& family) override;
  compute::Result<compute::ListPage<compute::Image>> List(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> Delete(const std::string& project, const std::string& image,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Deprecate(
      const std::string& project, const std::string& image,
      const std::optional<compute::DeprecationStatus>& status,
      const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> SetLabels(const std::string& project,
                                                const std::string& image,
                                                const compute::Labels& labels,
                                                const std::string& fingerprint,
                                                const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Patch(const std::string& project, const std::string& image,
                                            const compute::ImagePatch& patch,
                                            const compute::MutationOptions& opts) override;

 private:
  ApiCaller& c_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_IMAGES_H_
