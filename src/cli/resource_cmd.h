// What the resource commands (instances, disks, snapshots, zones, ...)
// share: printing one resource or a list, and running a verb on names.
#ifndef IMAGO_CLI_RESOURCE_CMD_H_
#define IMAGO_CLI_RESOURCE_CMD_H_

#include <algorithm>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "cli/context.h"
#include "cli/gcloud_filter.h"
#include "cli/output.h"
#include "compute/service.h"

namespace imago::cli {

/// gcloud's durations: "5", "5s" or "1m" -> seconds; a 400 naming `flag`
/// otherwise.
compute::Result<int> ParseSeconds(const char* flag, const std::string& text);

/// The last segment of a URL field ("zone" -> "local-a").
std::string LastOf(const Json& j, const std::string& key);

/// A created or changed resource: a table row for people, the resource
/// itself with --format json|yaml.
template <typename T>
void PrintOne(Context& ctx, const T& resource, const std::vector<Column>& cols) {
  Json j = ToJson(resource);  // compute::ToJson, found by ADL.
  Format f = ctx.OutputFormat(Format::kTable);
  if (f == Format::kTable) {
    PrintTable(std::cout, {j}, cols);
  } else {
    PrintResource(std::cout, f, j);
  }
}

/// gcloud's list flags, which every list command has.
struct ListFlags {
  std::string filter;        // The API's filter expression (docs/filters.md).
  std::string sort_by;       // KEY[,KEY...]; ~KEY descending.
  int64_t limit = -1;        // At most this many; -1: all.
  uint32_t page_size = 500;  // Resources per API call.
};

/// Adds --filter, --sort-by, --limit and --page-size to `c`, writing `f`
/// (owned by the caller, alive while `c` runs). --limit below 1 and
/// --page-size outside 1..500 are usage errors.
void AddListFlags(CLI::App* c, ListFlags* f, const std::string& filter_example);

/// OK when `page_size` is one the API takes (1-500); else 400 naming --page-size.
compute::Status CheckPageSize(uint32_t page_size);

/// Sorts `rows` by `sort_by` (KEY[,KEY...], ~ for descending; numbers as
/// numbers), stably. A key that no row has: 400 naming it and the keys the
/// rows have. No rows: nothing to check, OK.
compute::Status SortRows(const std::string& sort_by, std::vector<Json>* rows);

/// What --filter asks of a list: the text the API gets (empty: none) and an
/// expression in gcloud's form evaluated here (null: none). An expression
/// that means the same to both goes to the API; one that only gcloud's form
/// has (`~`, `name:app`) is evaluated here on everything listed; one that
/// is not gcloud's form (`name eq app-.*`) goes to the API as it is.
struct ListFilter {
  std::string api;
  std::unique_ptr<GcloudFilter> client;
};
ListFilter SplitFilter(const std::string& text);

/// Keeps the rows `filter` matches. Returns a warning ("" when none) when
/// it names a key that no row has (labels.* aside): a misspelt key
/// explains an empty answer instead of leaving it silent.
std::string ApplyClientFilter(const GcloudFilter& filter, std::vector<Json>* rows);

/// Lists every page of `list` (`f.page_size` a call), filters, sorts,
/// keeps the first `f.limit` and prints them. Returns the exit code.
template <typename T, typename ListFn>
int RunList(Context& ctx, const char* cmd, const ListFlags& f, const std::vector<Column>& cols,
            const ListFn& list) {
  if (compute::Status st = CheckPageSize(f.page_size); !st.ok()) return ctx.Fail(cmd, st);
  ListFilter filter = SplitFilter(f.filter);
  compute::ListOptions opts;
  opts.filter = filter.api;
  opts.max_results = f.page_size;
  std::vector<Json> rows;
  while (true) {
    compute::Result<compute::ListPage<T>> page = list(opts);
    if (!page.ok()) return ctx.Fail(cmd, page.status());
    for (const auto& x : page->items) rows.push_back(ToJson(x));
    if (page->next_page_token.empty()) break;
    opts.page_token = page->next_page_token;
  }
  if (compute::Status st = SortRows(f.sort_by, &rows); !st.ok()) return ctx.Fail(cmd, st);
  if (filter.client) {
    if (std::string w = ApplyClientFilter(*filter.client, &rows); !w.empty()) ctx.Warn(w);
  }
  if (f.limit >= 0 && rows.size() > static_cast<size_t>(f.limit)) rows.resize(f.limit);
  PrintList(std::cout, ctx.OutputFormat(Format::kTable), rows, cols);
  return kExitOk;
}

/// The zones a zonal list covers: `--zones`, else the --zone typed on the
/// command line, else none (every zone); checked against the project's
/// zones (400 naming the unknown one and the zones there are).
compute::Result<std::vector<std::string>> ListZones(Context& ctx, compute::Service& svc,
                                                    const std::vector<std::string>& zones);

/// A ListFn over an aggregatedList, as gcloud lists zonal resources: the
/// items of every zone, or of `zones` only.
template <typename T, typename AggregatedFn>
std::function<compute::Result<compute::ListPage<T>>(const compute::ListOptions&)> ZonalList(
    std::vector<std::string> zones, AggregatedFn aggregated) {
  return [zones = std::move(zones),
          aggregated](const compute::ListOptions& o) -> compute::Result<compute::ListPage<T>> {
    auto page = aggregated(o);
    if (!page.ok()) return page.status();
    compute::ListPage<T> out;
    for (auto& [scope, items] : page->items) {
      if (!scope.starts_with("zones/")) continue;
      if (!zones.empty() && std::find(zones.begin(), zones.end(), scope.substr(6)) == zones.end()) {
        continue;
      }
      for (auto& x : items) out.items.push_back(std::move(x));
    }
    out.next_page_token = page->next_page_token;
    return out;
  };
}

/// The zones that hold a zonal resource named `name`, found through
/// `aggregated` (empty when none does, or the list fails).
template <typename AggregatedFn>
std::vector<std::string> ZonesHolding(const std::string& name, AggregatedFn aggregated) {
  compute::ListOptions o;
  o.filter = "name = " + name;
  auto page = aggregated(o);
  std::vector<std::string> zones;
  if (!page.ok()) return zones;
  for (const auto& [scope, items] : page->items) {
    if (scope.starts_with("zones/") && !items.empty()) zones.push_back(scope.substr(6));
  }
  return zones;
}

/// A 404 of a zonal resource, with where a resource of that name is: "...;
/// instance web-1 is in zone local-b: add --zone local-b". Other errors,
/// and names no zone holds, come back as they are.
compute::Status WithZones(const compute::Status& st, const std::string& kind,
                          const std::string& name, const std::vector<std::string>& zones);

/// A mutation of one named resource.
using NameFn =
    std::function<compute::Result<compute::Operation>(compute::Service&, const std::string& name)>;

/// Gives `c` a NAME... positional and, when run, calls `fn` for each name
/// with a "VERB [NAME]...done." line, stopping at the first failure. After
/// each: `describe`, when given, prints the resource; else the operation
/// is printed with --format json|yaml.
void AddNamesVerb(CLI::App* c, Context& ctx, const char* cmd, const char* verb, NameFn fn,
                  std::function<int(compute::Service&, const std::string&)> describe = nullptr);

/// A resource as JSON, or the error that came instead.
template <typename T>
compute::Result<Json> JsonOf(const compute::Result<T>& r) {
  if (!r.ok()) return r.status();
  return ToJson(*r);  // compute::ToJson, found by ADL.
}

/// Reads one named resource.
using GetFn = std::function<compute::Result<Json>(compute::Service&, const std::string& name)>;

/// Adds `describe NAME` to `g`: prints what `get` returns, YAML by default.
void AddDescribe(CLI::App* g, Context& ctx, const char* cmd, const char* help, const char* example,
                 GetFn get);

}  // namespace imago::cli

#endif  // IMAGO_CLI_RESOURCE_CMD_H_
