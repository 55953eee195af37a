#include "server/rest_api.h"

#include <vector>

#include "compute/json_codec.h"
#include "compute/names.h"
#include "compute/resource_ref.h"
#include "server/partial_response.h"
#include "server/route_util.h"

namespace imago::server {

using compute::Status;

namespace {

Status NoSuchPath(const HttpRequest& req) {
  return Status::NotFound("The requested URL " + req.path + " (" + req.method +
                          ") is not a method of the Compute Engine API served here.");
}

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// The local cloud writes GCE's own selfLink prefix; a served resource links
// to the server that serves it.
void RewriteLinks(Json* j, const std::string& from, const std::string& to) {
  if (j->is_string()) {
    const std::string& s = j->get_ref<const std::string&>();
    if (s.starts_with(from)) *j = to + s.substr(from.size());
  } else if (j->is_object() || j->is_array()) {
    for (auto& v : *j) RewriteLinks(&v, from, to);
  }
}

}  // namespace

RestApi::RestApi(compute::Service& service, std::string self_link_base)
    : svc_(service), base_(std::move(self_link_base)) {
  if (!base_.empty() && base_.back() != '/') base_ += '/';
  AddImageRoutes(router_);
  AddDiskRoutes(router_);
  AddSnapshotRoutes(router_);
  AddInstanceRoutes(router_);
  AddOperationRoutes(router_);
  AddZoneRoutes(router_);
  AddRegionRoutes(router_);
  AddMachineTypeRoutes(router_);
  AddProjectRoutes(router_);
  AddInstanceTemplateRoutes(router_);
  AddHealthCheckRoutes(router_);
  AddInstanceGroupManagerRoutes(router_);
  AddLoadBalancerRoutes(router_);
  AddAutoscalerRoutes(router_);
}

HttpResponse RestApi::Handle(const HttpRequest& req) const {
  try {
    // A bad selection is refused before anything runs (a mutation included).
    std::string fields = QueryParam(req, "fields");
    std::optional<FieldSelection> selection;
    if (!fields.empty()) {
      auto sel = ParseFieldSelection(fields);
      if (!sel.ok()) return Error(sel.status());
      selection = std::move(sel.value());
    }
    HttpResponse r = Route(req);
    // A partial response, as GCE gives one (errors stay whole).
    if (selection && r.status == 200 && !r.body.is_null()) {
      r.body = ApplyFieldSelection(*selection, r.body);
    }
    if (base_ != compute::kDefaultSelfLinkBase) {
      RewriteLinks(&r.body, compute::kDefaultSelfLinkBase, base_);
    }
    return r;
  } catch (const std::exception& e) {
    // A bug, not the client's fault; but never a crash.
    return Error(Status::Internal(std::string("internal error: ") + e.what()));
  }
}

HttpResponse RestApi::Route(const HttpRequest& req) const {
  constexpr std::string_view kPrefix = "/compute/v1/projects/";
  if (!req.path.starts_with(kPrefix)) return Error(NoSuchPath(req));
  std::vector<std::string> s = Split(req.path.substr(kPrefix.size()));
  if (s.size() > 2 && s.back().empty()) s.pop_back();  // A trailing slash.
  const std::string project = s[0];
  if (Status st = compute::ValidateProject(project); !st.ok()) return Error(st);
  std::vector<std::string> below(s.begin() + 1, s.end());
  if (below.empty()) below.push_back("");  // projects/{project} itself.
  std::vector<std::string> params;
  const Handler* h = router_.Find(req.method, below, &params);
  if (!h) return Error(NoSuchPath(req));
  Call call{req, std::move(params), project, base_ + "projects/" + project + "/", svc_};
  return (*h)(call);
}

}  // namespace imago::server
