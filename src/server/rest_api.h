// RestApi: the Compute Engine v1 REST wire format over a compute::Service.
// A pure function of a request (method, path, query, body) to a response
// (status, JSON body): no sockets, so that it can be tested, fuzzed and
// benchmarked directly. http_server.h puts it behind HTTP.
//
// Paths are GCE's: /compute/v1/projects/{project}/global/images/...,
// .../zones/{zone}/instances/..., and so on (../shared/reference/gce-api.md).
// The table of methods is router.h; each collection's routes are in
// routes_*.cc. Every answer that is not a 200 has GCE's error shape:
//   {"error":{"code":N,"message":"...","errors":[{"message","domain","reason"}]}}
#ifndef IMAGO_SERVER_REST_API_H_
#define IMAGO_SERVER_REST_API_H_

#include <string>

#include "compute/service.h"
#include "server/http_types.h"
#include "server/router.h"

namespace imago::server {

class RestApi {
 public:
  /// `service` is not owned and must outlive this. `self_link_base` is the
  /// URL prefix of list selfLinks ("http://127.0.0.1:8080/compute/v1/").
  RestApi(compute::Service& service, std::string self_link_base);
  RestApi(const RestApi&) = delete;
  RestApi& operator=(const RestApi&) = delete;

  /// Answers one request. Never throws; anything malformed is a 4xx.
  HttpResponse Handle(const HttpRequest& req) const;

 private:
  HttpResponse Route(const HttpRequest& req) const;

  compute::Service& svc_;
  std::string base_;
  Router router_;
};

}  // namespace imago::server

#endif  // IMAGO_SERVER_REST_API_H_
