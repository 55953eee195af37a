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

/// Lists every page of `list`, keeps the first `limit` (all when negative)
/// and prints them. Returns the exit code.
template <typename T, typename ListFn>
int RunList(Context& ctx, const char* cmd, const std::string& filter, int64_t limit,
            const std::vector<Column>& cols, const ListFn& list) {
  compute::ListOptions opts;
  opts.filter = filter;
  std::vector<Json> rows;
  while (true) {
    compute::Result<compute::ListPage<T>> page = list(opts);
    if (!page.ok()) return ctx.Fail(cmd, page.status());
    for (const auto& x : page->items) rows.push_back(ToJson(x));
    if (page->next_page_token.empty()) break;
    opts.page_token = page->next_page_token;
  }
  if (limit >= 0 && rows.size() > static_cast<size_t>(limit)) rows.resize(limit);
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
