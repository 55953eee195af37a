// The local cloud's load balancer resources: backend services, URL maps,
// target HTTP proxies and global forwarding rules, rows of the catalog
// that reference one another as GCE's do (and refuse to be deleted while
// referenced). The proxy that serves them is the controller's
// (src/lb); it reads them from here and reports health back through
// LoadBalancerRuntime. Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LOCAL_LOAD_BALANCERS_H_
#define IMAGO_LOCALCLOUD_LOCAL_LOAD_BALANCERS_H_

#include <functional>
#include <map>
#include <string>

#include "compute/backend_services.h"
#include "compute/global_forwarding_rules.h"
#include "compute/target_http_proxies.h"
#include "compute/url_maps.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

class LocalBackendServices final : public compute::BackendServices,
                                   public compute::LoadBalancerRuntime {
 public:
  explicit LocalBackendServices(LocalStore& store) : s_(store) {}
  LocalBackendServices(const LocalBackendServices&) = delete;
  LocalBackendServices& operator=(const LocalBackendServices&) = delete;

  compute::Result<compute::Operation> Insert(const std::string& project,
                                             const compute::BackendService& bs,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::BackendService> Get(const std::string& project,
                                               const std::string& backend_service) override;
  compute::Result<compute::ListPage<compute::BackendService>> List(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> Patch(const std::string& project,
                                            const std::string& backend_service,
                                            const compute::Json& patch,
                                            const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Update(const std::string& project,
                                             const std::string& backend_service,
                                             const compute::BackendService& bs,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Delete(const std::string& project,
                                             const std::string& backend_service,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::BackendServiceGroupHealth> GetHealth(const std::string& project,
                                                                const std::string& backend_service,
                                                                const std::string& group) override;

  compute::Status ReportHealth(
      const std::string& project, const std::string& backend_service,
      const std::map<std::string, compute::BackendServiceGroupHealth>& by_group) override;

 private:
  /// Patch and Update: replaces the stored service by what `make` returns
  /// from the stored one, checked as Insert checks.
  compute::Result<compute::Operation> Replace(
      const std::string& project, const std::string& name, const compute::MutationOptions& opts,
      const std::function<compute::Result<compute::BackendService>(const compute::Json& stored)>&
          make);

  LocalStore& s_;
};

class LocalUrlMaps final : public compute::UrlMaps {
 public:
  explicit LocalUrlMaps(LocalStore& store) : s_(store) {}
  LocalUrlMaps(const LocalUrlMaps&) = delete;
  LocalUrlMaps& operator=(const LocalUrlMaps&) = delete;

  compute::Result<compute::Operation> Insert(const std::string& project, const compute::UrlMap& map,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::UrlMap> Get(const std::string& project,
                                       const std::string& url_map) override;
  compute::Result<compute::ListPage<compute::UrlMap>> List(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> Patch(const std::string& project, const std::string& url_map,
                                            const compute::Json& patch,
                                            const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Delete(const std::string& project, const std::string& url_map,
                                             const compute::MutationOptions& opts) override;

 private:
  LocalStore& s_;
};

class LocalTargetHttpProxies final : public compute::TargetHttpProxies {
 public:
  explicit LocalTargetHttpProxies(LocalStore& store) : s_(store) {}
  LocalTargetHttpProxies(const LocalTargetHttpProxies&) = delete;
  LocalTargetHttpProxies& operator=(const LocalTargetHttpProxies&) = delete;

  compute::Result<compute::Operation> Insert(const std::string& project,
                                             const compute::TargetHttpProxy& proxy,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::TargetHttpProxy> Get(const std::string& project,
                                                const std::string& proxy) override;
  compute::Result<compute::ListPage<compute::TargetHttpProxy>> List(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> SetUrlMap(const std::string& project,
                                                const std::string& proxy,
                                                const std::string& url_map,
                                                const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Delete(const std::string& project, const std::string& proxy,
                                             const compute::MutationOptions& opts) override;

 private:
  LocalStore& s_;
};

class LocalGlobalForwardingRules final : public compute::GlobalForwardingRules {
 public:
  explicit LocalGlobalForwardingRules(LocalStore& store) : s_(store) {}
  LocalGlobalForwardingRules(const LocalGlobalForwardingRules&) = delete;
  LocalGlobalForwardingRules& operator=(const LocalGlobalForwardingRules&) = delete;

  compute::Result<compute::Operation> Insert(const std::string& project,
                                             const compute::ForwardingRule& rule,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::ForwardingRule> Get(const std::string& project,
                                               const std::string& rule) override;
  compute::Result<compute::ListPage<compute::ForwardingRule>> List(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> SetTarget(const std::string& project, const std::string& rule,
                                                const std::string& target,
                                                const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Delete(const std::string& project, const std::string& rule,
                                             const compute::MutationOptions& opts) override;

 private:
  LocalStore& s_;
};

/// Within a transaction: 400 resourceInUseByAnotherResource when a backend
/// service of `project` names `link` (a health check's or an instance
/// group's URL); `what` is GCE's word for it ("health_check").
compute::Status CheckNotInBackendService(LocalStore& s, const std::string& project,
                                         const std::string& link, const char* what);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_LOAD_BALANCERS_H_
