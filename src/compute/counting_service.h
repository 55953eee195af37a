// CountingService: a compute::Service that forwards every call to another
// one and counts the calls by method. For benchmarks and tests that check
// how many calls a component makes (e.g. the rotator's "changes plus list
// calls"); it changes nothing else.
#ifndef IMAGO_COMPUTE_COUNTING_SERVICE_H_
#define IMAGO_COMPUTE_COUNTING_SERVICE_H_

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "compute/service.h"

namespace imago::compute {

class CountingService final : public Service {
 public:
  explicit CountingService(Service& inner) : inner_(inner) {}

  /// Calls of `method` ("images.list", "images.deprecate", ...) so far.
  int Count(const std::string& method) const {
    std::lock_guard l(mu_);
    auto it = counts_.find(method);
    return it == counts_.end() ? 0 : it->second;
  }
  int Total() const {
    std::lock_guard l(mu_);
    int n = 0;
    for (const auto& [m, c] : counts_) n += c;
    return n;
  }
  void Reset() {
    std::lock_guard l(mu_);
    counts_.clear();
  }

  Result<Operation> InsertImage(const std::string& p, const Image& i,
                                const MutationOptions& o) override {
    Add("images.insert");
    return inner_.InsertImage(p, i, o);
  }
  Result<Image> GetImage(const std::string& p, const std::string& i) override {
    Add("images.get");
    return inner_.GetImage(p, i);
  }
  Result<Image> GetImageFromFamily(const std::string& p, const std::string& f) override {
    Add("images.getFromFamily");
    return inner_.GetImageFromFamily(p, f);
  }
  Result<ListPage<Image>> ListImages(const std::string& p, const ListOptions& o) override {
    Add("images.list");
    return inner_.ListImages(p, o);
  }
  Result<Operation> DeleteImage(const std::string& p, const std::string& i,
                                const MutationOptions& o) override {
    Add("images.delete");
    return inner_.DeleteImage(p, i, o);
  }
  Result<Operation> DeprecateImage(const std::string& p, const std::string& i,
                                   const std::optional<DeprecationStatus>& s,
                                   const MutationOptions& o) override {
    Add("images.deprecate");
    return inner_.DeprecateImage(p, i, s, o);
  }
  Result<Operation> SetImageLabels(const std::string& p, const std::string& i, const Labels& l,
                                   const std::string& f, const MutationOptions& o) override {
    Add("images.setLabels");
    return inner_.SetImageLabels(p, i, l, f, o);
  }
  Result<Operation> PatchImage(const std::string& p, const std::string& i, const ImagePatch& x,
                               const MutationOptions& o) override {
    Add("images.patch");
    return inner_.PatchImage(p, i, x, o);
  }
  Result<Operation> GetGlobalOperation(const std::string& p, const std::string& o) override {
    Add("globalOperations.get");
    return inner_.GetGlobalOperation(p, o);
  }
  Result<Operation> WaitGlobalOperation(const std::string& p, const std::string& o) override {
    Add("globalOperations.wait");
    return inner_.WaitGlobalOperation(p, o);
  }
  Result<ListPage<Operation>> ListGlobalOperations(const std::string& p,
                                                   const ListOptions& o) override {
    Add("globalOperations.list");
    return inner_.ListGlobalOperations(p, o);
  }
  Status DeleteGlobalOperation(const std::string& p, const std::string& o) override {
    Add("globalOperations.delete");
    return inner_.DeleteGlobalOperation(p, o);
  }

 private:
  void Add(const char* m) {
    std::lock_guard l(mu_);
    ++counts_[m];
  }
  Service& inner_;
  mutable std::mutex mu_;
  std::map<std::string, int> counts_;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_COUNTING_SERVICE_H_
