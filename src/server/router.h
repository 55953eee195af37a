// Router: the table of the Compute API's methods that imago serve answers,
// one line per method: an HTTP method, a path pattern below
// /compute/v1/projects/{project}/ ("global/images/{image}/deprecate"), and
// the handler. A `{name}` segment matches one non-empty segment; routes are
// tried in the order they were added.
#ifndef IMAGO_SERVER_ROUTER_H_
#define IMAGO_SERVER_ROUTER_H_

#include <functional>
#include <string>
#include <vector>

#include "compute/service.h"
#include "server/http_types.h"

namespace imago::server {

/// What a handler gets: the request, the path's parameters in pattern
/// order, the project, and the service.
struct Call {
  const HttpRequest& req;
  std::vector<std::string> params;
  std::string project;
  /// The URL prefix of this project's collections in selfLinks:
  /// "http://HOST:PORT/compute/v1/projects/P/".
  std::string project_link;
  compute::Service& svc;

  const std::string& operator[](size_t i) const { return params.at(i); }
};

using Handler = std::function<HttpResponse(const Call&)>;

class Router {
 public:
  /// Adds a route. `pattern` is below "projects/{project}/".
  void Add(const char* method, const std::string& pattern, Handler handler);

  /// The handler of the first route whose method and pattern match
  /// (`segments` are the path's below the project), with its parameters in
  /// *params; nullptr when none does.
  const Handler* Find(const std::string& method, const std::vector<std::string>& segments,
                      std::vector<std::string>* params) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> pattern;
    Handler handler;
  };
  std::vector<Route> routes_;
};

/// Registration of each collection's routes (routes_*.cc).
void AddImageRoutes(Router& r);
void AddDiskRoutes(Router& r);
void AddSnapshotRoutes(Router& r);
void AddInstanceRoutes(Router& r);
void AddOperationRoutes(Router& r);
void AddZoneRoutes(Router& r);
void AddRegionRoutes(Router& r);
void AddMachineTypeRoutes(Router& r);
void AddProjectRoutes(Router& r);
void AddInstanceTemplateRoutes(Router& r);
void AddHealthCheckRoutes(Router& r);
void AddInstanceGroupManagerRoutes(Router& r);
void AddLoadBalancerRoutes(Router& r);
void AddAutoscalerRoutes(Router& r);

}  // namespace imago::server

#endif  // IMAGO_SERVER_ROUTER_H_
