#include "server/route_util.h"

#include <charconv>

namespace imago::server {

using compute::Result;
using compute::Status;

Result<Json> Body(const HttpRequest& req, bool empty_is_object) {
  if (req.body.empty()) {
    if (empty_is_object) return Json::object();
    return Status::Required("Required request body is missing; send the resource as JSON.");
  }
  Json j = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Invalid("Invalid JSON payload received. Unexpected token or end of input.");
  }
  if (!j.is_object()) return Status::Invalid("Invalid JSON payload received. Expected an object.");
  return j;
}

std::string QueryParam(const HttpRequest& req, const char* key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? "" : it->second;
}

Result<compute::ListOptions> ListOpts(const HttpRequest& req) {
  compute::ListOptions o;
  o.filter = QueryParam(req, "filter");
  o.order_by = QueryParam(req, "orderBy");
  o.page_token = QueryParam(req, "pageToken");
  std::string max = QueryParam(req, "maxResults");
  if (!max.empty()) {
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(max.data(), max.data() + max.size(), v);
    if (ec != std::errc() || p != max.data() + max.size()) {
      return Status::InvalidField("maxResults", max, "Must be a number from 0 to 500.");
    }
    o.max_results = v;
  }
  return o;
}

compute::MutationOptions Mutation(const HttpRequest& req) {
  compute::MutationOptions o;
  o.request_id = QueryParam(req, "requestId");
  return o;
}

}  // namespace imago::server
