// What the route handlers share: reading bodies, list and mutation
// parameters, and writing answers in GCE's shapes.
// Internal to src/server.
#ifndef IMAGO_SERVER_ROUTE_UTIL_H_
#define IMAGO_SERVER_ROUTE_UTIL_H_

#include <map>
#include <string>

#include "compute/json_codec.h"
#include "compute/status.h"
#include "compute/types.h"
#include "server/http_types.h"
#include "server/router.h"

namespace imago::server {

using compute::Json;

inline HttpResponse Error(const compute::Status& st) {
  return {st.http_code(), compute::ErrorJson(st)};
}

/// 200 with the resource's JSON, or the error.
template <typename T>
HttpResponse Reply(const compute::Result<T>& r) {
  if (!r.ok()) return Error(r.status());
  return {200, ToJson(*r)};  // compute::ToJson, found by ADL.
}

/// 200 with `{}` (operations.delete: the API gives no response schema), or
/// the error. `{}` rather than no body: every client decodes it, where an
/// empty 200 breaks google-gax ("Received null response").
inline HttpResponse ReplyEmpty(const compute::Status& st) {
  return st.ok() ? HttpResponse{200, compute::Json::object()} : Error(st);
}

/// The request body as a JSON object. An empty body is 400 `required`
/// unless `empty_is_object`.
compute::Result<Json> Body(const HttpRequest& req, bool empty_is_object = false);

/// A query parameter, "" when absent.
std::string QueryParam(const HttpRequest& req, const char* key);

/// filter, orderBy, pageToken, maxResults (400 naming a malformed one).
compute::Result<compute::ListOptions> ListOpts(const HttpRequest& req);

/// requestId.
compute::MutationOptions Mutation(const HttpRequest& req);

/// A list answer: {kind, id, items, nextPageToken, warning, selfLink}.
template <typename T>
HttpResponse ListReply(const compute::Result<compute::ListPage<T>>& page, const char* kind,
                       const std::string& self_link) {
  if (!page.ok()) return Error(page.status());
  Json items = Json::array();
  for (const auto& x : page->items) items.push_back(ToJson(x));
  Json j = {{"kind", kind},
            {"id", self_link.substr(self_link.find("projects/"))},
            {"selfLink", self_link}};
  // GCE leaves out an empty items list (unless a warning explains it).
  if (!page->items.empty() || page->warning) j["items"] = items;
  if (!page->next_page_token.empty()) j["nextPageToken"] = page->next_page_token;
  if (page->warning) j["warning"] = compute::ToJson(*page->warning);
  return {200, j};
}

/// An aggregatedList answer: items maps each scope to {FIELD: [...]}, or to
/// a NO_RESULTS_ON_PAGE warning when it has nothing on this page, as GCE does.
template <typename T>
HttpResponse AggregatedReply(const compute::Result<compute::AggregatedPage<T>>& page,
                             const char* kind, const char* field, const std::string& self_link) {
  if (!page.ok()) return Error(page.status());
  Json items = Json::object();
  for (const auto& [scope, list] : page->items) {
    if (list.empty()) {
      items[scope] = {{"warning",
                       {{"code", "NO_RESULTS_ON_PAGE"},
                        {"message", "There are no results for scope '" + scope + "' on this page."},
                        {"data", Json::array({{{"key", "scope"}, {"value", scope}}})}}}};
      continue;
    }
    Json a = Json::array();
    for (const auto& x : list) a.push_back(ToJson(x));
    items[scope] = {{field, a}};
  }
  Json j = {{"kind", kind},
            {"id", self_link.substr(self_link.find("projects/"))},
            {"items", items},
            {"selfLink", self_link}};
  if (!page->next_page_token.empty()) j["nextPageToken"] = page->next_page_token;
  if (!page->unreachables.empty()) j["unreachables"] = page->unreachables;
  return {200, j};
}

}  // namespace imago::server

#endif  // IMAGO_SERVER_ROUTE_UTIL_H_
