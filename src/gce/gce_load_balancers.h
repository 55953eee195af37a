// The load balancer's collections on GCE: backendServices, urlMaps,
// targetHttpProxies and globalForwardingRules over the compute/v1 REST API.
#ifndef IMAGO_GCE_GCE_LOAD_BALANCERS_H_
#define IMAGO_GCE_GCE_LOAD_BALANCERS_H_

#include <string>

#include "compute/autoscalers.h"
#include "compute/backend_services.h"
#include "compute/global_forwarding_rules.h"
#include "compute/instance_groups.h"
#include "compute/target_http_proxies.h"
#include "compute/url_maps.h"
#include "gce/api_caller.h"

namespace imago::gce {

/// zones/Z/instanceGroups: get, list, setNamedPorts.
class GceInstanceGroups final : public compute::InstanceGroups {
 public:
  explicit GceInstanceGroups(ApiCaller& caller) : c_(caller) {}
  GceInstanceGroups(const GceInstanceGroups&) = delete;
  GceInstanceGroups& operator=(const GceInstanceGroups&) = delete;

  compute::Result<compute::InstanceGroup> Get(const std::string& project, const std::string& zone,
                                              const std::string& group) override;
  compute::Result<compute::ListPage<compute::InstanceGroup>> List(
      const std::string& project, const std::string& zone,
      const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> SetNamedPorts(const std::string& project,
                                                    const std::string& zone,
                                                    const std::string& group,
                                                    const std::vector<compute::NamedPort>& ports,
                                                    const std::string& fingerprint,
                                                    const compute::MutationOptions& opts) override;

 private:
  ApiCaller& c_;
};

/// zones/Z/autoscalers.
class GceAutoscalers final : public compute::Autoscalers {
 public:
  explicit GceAutoscalers(ApiCaller& caller) : c_(caller) {}
  GceAutoscalers(const GceAutoscalers&) = delete;
  GceAutoscalers& operator=(const GceAutoscalers&) = delete;

  compute::Result<compute::Operation> Insert(const std::string& project, const std::string& zone,
                                             const compute::Autoscaler& a,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::Autoscaler> Get(const std::string& project, const std::string& zone,
                                           const std::string& autoscaler) override;
  compute::Result<compute::ListPage<compute::Autoscaler>> List(
      const std::string& project, const std::string& zone,
      const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> Patch(const std::string& project, const std::string& zone,
                                            const std::string& autoscaler,
                                            const compute::Json& patch,
                                            const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Delete(const std::string& project, const std::string& zone,
                                             const std::string& autoscaler,
                                             const compute::MutationOptions& opts) override;

 private:
  ApiCaller& c_;
};

class GceBackendServices final : public compute::BackendServices {
 public:
  explicit GceBackendServices(ApiCaller& caller) : c_(caller) {}
  GceBackendServices(const GceBackendServices&) = delete;
  GceBackendServices& operator=(const GceBackendServices&) = delete;

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

 private:
  ApiCaller& c_;
};

class GceUrlMaps final : public compute::UrlMaps {
 public:
  explicit GceUrlMaps(ApiCaller& caller) : c_(caller) {}
  GceUrlMaps(const GceUrlMaps&) = delete;
  GceUrlMaps& operator=(const GceUrlMaps&) = delete;

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
  ApiCaller& c_;
};

class GceTargetHttpProxies final : public compute::TargetHttpProxies {
 public:
  explicit GceTargetHttpProxies(ApiCaller& caller) : c_(caller) {}
  GceTargetHttpProxies(const GceTargetHttpProxies&) = delete;
  GceTargetHttpProxies& operator=(const GceTargetHttpProxies&) = delete;

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
  ApiCaller& c_;
};

class GceGlobalForwardingRules final : public compute::GlobalForwardingRules {
 public:
  explicit GceGlobalForwardingRules(ApiCaller& caller) : c_(caller) {}
  GceGlobalForwardingRules(const GceGlobalForwardingRules&) = delete;
  GceGlobalForwardingRules& operator=(const GceGlobalForwardingRules&) = delete;

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
  ApiCaller& c_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_LOAD_BALANCERS_H_
