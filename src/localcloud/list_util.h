// Pieces the LocalCloud collections share: list planning (filter, order,
// page token -> catalog scan), page filling, failed operations.
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LIST_UTIL_H_
#define IMAGO_LOCALCLOUD_LIST_UTIL_H_

#include <algorithm>
#include <string>
#include <vector>

#include "compute/filter.h"
#include "compute/json_codec.h"
#include "compute/names.h"
#include "compute/page_token.h"
#include "compute/types.h"
#include "localcloud/catalog.h"

namespace imago::localcloud::internal {

using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::Operation;
using compute::Result;
using compute::Status;

inline void MarkFailed(Operation* op, const Status& st, const std::string& code,
                       const std::string& now) {
  op->status = "DONE";
  op->progress = 100;
  op->end_time = now;
  op->errors.push_back({code, st.message(), ""});
  op->http_error_status_code = st.http_code();
  op->http_error_message = st.http_message();
}

inline Status ValidateMaxResults(uint32_t max) {
  if (max > 500) {
    return Status::InvalidField("maxResults", std::to_string(max),
                                "Must be less than or equal to 500.");
  }
  return Status::OK();
}

inline Result<bool> OrderIsTimeDesc(const std::string& order_by) {
  if (order_by.empty() || order_by == "name" || order_by == "name asc") return false;
  if (order_by == "creationTimestamp desc") return true;
  return Status::InvalidField("orderBy", order_by,
                              "Only sorting by 'name' or 'creationTimestamp desc' is supported.");
}

// What a list call asked, checked and turned into a catalog scan.
struct ListPlan {
  compute::Filter filter;
  std::string scope;  // Binds page tokens to this listing.
  ScanSpec scan;
  size_t max = 500;
};

// `zone` binds the page tokens of zonal lists to their zone.
inline Result<ListPlan> PlanList(const char* kind, const std::string& project,
                                 const ListOptions& opts, const compute::FilterSchema& schema,
                                 const std::string& zone = "") {
  IMAGO_RETURN_IF_ERROR(compute::ValidateProject(project));
  IMAGO_RETURN_IF_ERROR(ValidateMaxResults(opts.max_results));
  auto time_desc = OrderIsTimeDesc(opts.order_by);
  if (!time_desc.ok()) return time_desc.status();
  auto filter = compute::Filter::Parse(opts.filter, schema);
  if (!filter.ok()) return filter.status();
  ListPlan plan;
  plan.filter = std::move(filter.value());
  plan.scope = compute::PageScope(std::string(kind) + "\n" + project + "\n" + zone + "\n" +
                                  opts.filter + "\n" + (*time_desc ? "t" : "n"));
  plan.scan.by_time_desc = *time_desc;
  if (!opts.page_token.empty()) {
    auto cur = compute::DecodePageToken(opts.page_token, plan.scope);
    if (!cur.ok()) return cur.status();
    plan.scan.after_set = true;
    plan.scan.after_time = cur->last_time;
    plan.scan.after_name = cur->last_name;
  }
  plan.max = opts.max_results == 0 ? 500 : opts.max_results;
  return plan;
}

// Fills one page from rows in scan order: keeps the matches, and looks one
// match further so that a next-page token is given only when there is more.
template <typename T>
class PageFiller {
 public:
  explicit PageFiller(const ListPlan& plan) : plan_(plan) {}

  // Returns false when the page is full and one more match was seen.
  bool Add(T&& item, const Json& json, int64_t sort_time, const std::string& sort_name) {
    if (!plan_.filter.Matches(json)) return true;
    if (page_.items.size() == plan_.max) {
      more_ = true;
      return false;
    }
    last_.last_time = sort_time;
    last_.last_name = sort_name;
    page_.items.push_back(std::move(item));
    return true;
  }

  ListPage<T> Finish() {
    if (more_) {
      last_.scope = plan_.scope;
      page_.next_page_token = compute::EncodePageToken(last_);
    }
    return std::move(page_);
  }

 private:
  const ListPlan& plan_;
  ListPage<T> page_;
  compute::PageCursor last_;
  bool more_ = false;
};

// One page of the `kind` rows a list plan selects in (project, zone), each
// read with `read` (a FromJson of the resource). The caller holds the
// store's lock.
template <typename T, typename Read>
Result<ListPage<T>> FillPage(Catalog& catalog, const char* kind, const std::string& project,
                             const std::string& zone, const ListPlan& plan, const Read& read) {
  PageFiller<T> filler(plan);
  Status bad;
  Status st = catalog.db().ReadTxn([&]() -> Status {
    return catalog.ScanResources(kind, project, zone, plan.scan, [&](ResourceRow&& r) {
      auto x = read(r.resource);
      if (!x.ok()) {
        bad = x.status();
        return false;
      }
      return filler.Add(std::move(x.value()), r.resource, r.creation_us, r.name);
    });
  });
  if (!st.ok()) return st;
  if (!bad.ok()) return bad;
  return filler.Finish();
}

// One page of a list held in memory (zones, regions, machine types), in
// name order, filtered with `schema`.
template <typename T>
Result<ListPage<T>> PageOfList(const char* kind, const std::string& project,
                               const std::string& zone, std::vector<T> all, const ListOptions& opts,
                               const compute::FilterSchema& schema) {
  auto plan = PlanList(kind, project, opts, schema, zone);
  if (!plan.ok()) return plan.status();
  std::sort(all.begin(), all.end(), [](const T& a, const T& b) { return a.name < b.name; });
  PageFiller<T> filler(*plan);
  for (T& x : all) {
    if (plan->scan.after_set && x.name <= plan->scan.after_name) continue;
    Json j = ToJson(x);  // Found by ADL in compute::.
    std::string name = x.name;
    if (!filler.Add(std::move(x), j, 0, name)) break;
  }
  return filler.Finish();
}

}  // namespace imago::localcloud::internal

#endif  // IMAGO_LOCALCLOUD_LIST_UTIL_H_
