// CountingService: a compute::Service that forwards every call to another
// one and counts the calls by method ("images.list", "disks.insert", ...).
// For benchmarks and tests that check how many calls a component makes
// (e.g. the rotator's "changes plus list calls"); it changes nothing else.
#ifndef IMAGO_COMPUTE_COUNTING_SERVICE_H_
#define IMAGO_COMPUTE_COUNTING_SERVICE_H_

#include <map>
#include <mutex>
#include <string>

#include "compute/service.h"

namespace imago::compute {

/// The tally a CountingService keeps.
class CallCounter {
 public:
  void Add(const char* method) {
    std::lock_guard l(mu_);
    ++counts_[method];
  }
  /// Calls of `method` so far.
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

 private:
  mutable std::mutex mu_;
  std::map<std::string, int> counts_;
};

namespace counting {

// One forwarding class per collection: count the method, then call on.
class Images final : public compute::Images {
 public:
  Images(compute::Images& in, CallCounter& n) : in_(in), n_(n) {}
  Result<Operation> Insert(const std::string& p, const Image& i,
                           const MutationOptions& o) override {
    n_.Add("images.insert");
    return in_.Insert(p, i, o);
  }
  Result<Image> Get(const std::string& p, const std::string& i) override {
    n_.Add("images.get");
    return in_.Get(p, i);
  }
  Result<Image> GetFromFamily(const std::string& p, const std::string& f) override {
    n_.Add("images.getFromFamily");
    return in_.GetFromFamily(p, f);
  }
  Result<ListPage<Image>> List(const std::string& p, const ListOptions& o) override {
    n_.Add("images.list");
    return in_.List(p, o);
  }
  Result<Operation> Delete(const std::string& p, const std::string& i,
                           const MutationOptions& o) override {
    n_.Add("images.delete");
    return in_.Delete(p, i, o);
  }
  Result<Operation> Deprecate(const std::string& p, const std::string& i,
                              const std::optional<DeprecationStatus>& s,
                              const MutationOptions& o) override {
    n_.Add("images.deprecate");
    return in_.Deprecate(p, i, s, o);
  }
  Result<Operation> SetLabels(const std::string& p, const std::string& i, const Labels& l,
                              const std::string& f, const MutationOptions& o) override {
    n_.Add("images.setLabels");
    return in_.SetLabels(p, i, l, f, o);
  }
  Result<Operation> Patch(const std::string& p, const std::string& i, const ImagePatch& x,
                          const MutationOptions& o) override {
    n_.Add("images.patch");
    return in_.Patch(p, i, x, o);
  }

 private:
  compute::Images& in_;
  CallCounter& n_;
};

class Disks final : public compute::Disks {
 public:
  Disks(compute::Disks& in, CallCounter& n) : in_(in), n_(n) {}
  Result<Operation> Insert(const std::string& p, const std::string& z, const Disk& d,
                           const MutationOptions& o) override {
    n_.Add("disks.insert");
    return in_.Insert(p, z, d, o);
  }
  Result<Disk> Get(const std::string& p, const std::string& z, const std::string& d) override {
    n_.Add("disks.get");
    return in_.Get(p, z, d);
  }
  Result<ListPage<Disk>> List(const std::string& p, const std::string& z,
                              const ListOptions& o) override {
    n_.Add("disks.list");
    return in_.List(p, z, o);
  }
  Result<AggregatedPage<Disk>> AggregatedList(const std::string& p, const ListOptions& o) override {
    n_.Add("disks.aggregatedList");
    return in_.AggregatedList(p, o);
  }
  Result<Operation> Delete(const std::string& p, const std::string& z, const std::string& d,
                           const MutationOptions& o) override {
    n_.Add("disks.delete");
    return in_.Delete(p, z, d, o);
  }
  Result<Operation> CreateSnapshot(const std::string& p, const std::string& z, const std::string& d,
                                   const Snapshot& s, const MutationOptions& o) override {
    n_.Add("disks.createSnapshot");
    return in_.CreateSnapshot(p, z, d, s, o);
  }

 private:
  compute::Disks& in_;
  CallCounter& n_;
};

class Snapshots final : public compute::Snapshots {
 public:
  Snapshots(compute::Snapshots& in, CallCounter& n) : in_(in), n_(n) {}
  Result<Snapshot> Get(const std::string& p, const std::string& s) override {
    n_.Add("snapshots.get");
    return in_.Get(p, s);
  }
  Result<ListPage<Snapshot>> List(const std::string& p, const ListOptions& o) override {
    n_.Add("snapshots.list");
    return in_.List(p, o);
  }
  Result<Operation> Delete(const std::string& p, const std::string& s,
                           const MutationOptions& o) override {
    n_.Add("snapshots.delete");
    return in_.Delete(p, s, o);
  }

 private:
  compute::Snapshots& in_;
  CallCounter& n_;
};

class Zones final : public compute::Zones {
 public:
  Zones(compute::Zones& in, CallCounter& n) : in_(in), n_(n) {}
  Result<ListPage<Zone>> List(const std::string& p, const ListOptions& o) override {
    n_.Add("zones.list");
    return in_.List(p, o);
  }
  Result<Zone> Get(const std::string& p, const std::string& z) override {
    n_.Add("zones.get");
    return in_.Get(p, z);
  }

 private:
  compute::Zones& in_;
  CallCounter& n_;
};

class InstanceTemplates final : public compute::InstanceTemplates {
 public:
  InstanceTemplates(compute::InstanceTemplates& in, CallCounter& n) : in_(in), n_(n) {}
  Result<Operation> Insert(const std::string& p, const InstanceTemplate& t,
                           const MutationOptions& o) override {
    n_.Add("instanceTemplates.insert");
    return in_.Insert(p, t, o);
  }
  Result<InstanceTemplate> Get(const std::string& p, const std::string& t) override {
    n_.Add("instanceTemplates.get");
    return in_.Get(p, t);
  }
  Result<ListPage<InstanceTemplate>> List(const std::string& p, const ListOptions& o) override {
    n_.Add("instanceTemplates.list");
    return in_.List(p, o);
  }
  Result<Operation> Delete(const std::string& p, const std::string& t,
                           const MutationOptions& o) override {
    n_.Add("instanceTemplates.delete");
    return in_.Delete(p, t, o);
  }

 private:
  compute::InstanceTemplates& in_;
  CallCounter& n_;
};

class Projects final : public compute::Projects {
 public:
  Projects(compute::Projects& in, CallCounter& n) : in_(in), n_(n) {}
  Result<Project> Get(const std::string& p) override {
    n_.Add("projects.get");
    return in_.Get(p);
  }
  Result<Operation> SetCommonInstanceMetadata(const std::string& p, const Metadata& m,
                                              const MutationOptions& o) override {
    n_.Add("projects.setCommonInstanceMetadata");
    return in_.SetCommonInstanceMetadata(p, m, o);
  }

 private:
  compute::Projects& in_;
  CallCounter& n_;
};

}  // namespace counting

/// Counts the calls to images, disks, snapshots, zones, instance templates
/// and projects (what the lifecycle code reads and changes); the other
/// collections are passed through uncounted.
class CountingService final : public Service {
 public:
  explicit CountingService(Service& inner)
      : inner_(inner),
        images_(inner.images(), counter_),
        disks_(inner.disks(), counter_),
        snapshots_(inner.snapshots(), counter_),
        zones_(inner.zones(), counter_),
        templates_(inner.instance_templates(), counter_),
        projects_(inner.projects(), counter_) {}
  CountingService(const CountingService&) = delete;
  CountingService& operator=(const CountingService&) = delete;

  /// Calls of `method` ("images.list", "images.deprecate", ...) so far.
  int Count(const std::string& method) const { return counter_.Count(method); }
  int Total() const { return counter_.Total(); }
  void Reset() { counter_.Reset(); }

  compute::Images& images() override { return images_; }
  compute::Disks& disks() override { return disks_; }
  compute::Snapshots& snapshots() override { return snapshots_; }
  compute::Zones& zones() override { return zones_; }
  compute::Instances& instances() override { return inner_.instances(); }
  compute::Operations& operations() override { return inner_.operations(); }
  compute::Regions& regions() override { return inner_.regions(); }
  compute::MachineTypes& machine_types() override { return inner_.machine_types(); }
  compute::Projects& projects() override { return projects_; }
  compute::InstanceTemplates& instance_templates() override { return templates_; }
  compute::HealthChecks& health_checks() override { return inner_.health_checks(); }
  compute::InstanceGroupManagers& instance_group_managers() override {
    return inner_.instance_group_managers();
  }
  compute::GroupRuntime* group_runtime() override { return inner_.group_runtime(); }
  compute::InstanceGroups& instance_groups() override { return inner_.instance_groups(); }
  compute::Autoscalers& autoscalers() override { return inner_.autoscalers(); }
  compute::BackendServices& backend_services() override { return inner_.backend_services(); }
  compute::UrlMaps& url_maps() override { return inner_.url_maps(); }
  compute::TargetHttpProxies& target_http_proxies() override {
    return inner_.target_http_proxies();
  }
  compute::GlobalForwardingRules& global_forwarding_rules() override {
    return inner_.global_forwarding_rules();
  }
  compute::LoadBalancerRuntime* load_balancer_runtime() override {
    return inner_.load_balancer_runtime();
  }

 private:
  Service& inner_;
  CallCounter counter_;
  counting::Images images_;
  counting::Disks disks_;
  counting::Snapshots snapshots_;
  counting::Zones zones_;
  counting::InstanceTemplates templates_;
  counting::Projects projects_;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_COUNTING_SERVICE_H_
