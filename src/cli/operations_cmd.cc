// imago operations ...: the journal of mutations (global and zonal operations).
#include <algorithm>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/resource_cmd.h"
#include "compute/json_codec.h"

namespace imago::cli {
namespace {

std::vector<Column> OperationColumns() {
  return {
      {"NAME", [](const Json& j) { return Field(j, "name"); }},
      {"TYPE", [](const Json& j) { return Field(j, "operationType"); }},
      {"TARGET",
       [](const Json& j) {
         std::string t = Field(j, "targetLink");
         size_t p = t.find("/global/");
         if (p != std::string::npos) return t.substr(p + 8);
         p = t.find("/zones/");
         if (p == std::string::npos) return t;
         size_t after_zone = t.find('/', p + 7);
         return after_zone == std::string::npos ? t : t.substr(after_zone + 1);
       }},
      {"LOCATION",
       [](const Json& j) {
         std::string z = Field(j, "zone");
         return z.empty() ? std::string("global") : z.substr(z.rfind('/') + 1);
       }},
      {"STATUS", [](const Json& j) { return Field(j, "status"); }},
      {"ERROR",
       [](const Json& j) {
         return j.contains("error") ? Field(j, "httpErrorStatusCode") + " " +
                                          j["error"]["errors"][0].value("code", "")
                                    : std::string();
       }},
      {"INSERTED", [](const Json& j) { return Field(j, "insertTime").substr(0, 19); }},
  };
}

}  // namespace

void AddOperationsCommands(CLI::App& root, Context& ctx) {
  CLI::App* ops = root.add_subcommand("operations", "The journal of changes (global operations)");
  ops->require_subcommand(1);
  {
    auto lf = std::make_shared<ListFlags>();
    CLI::App* c =
        ops->add_subcommand("list", "List operations, global and of every zone, newest first");
    AddListFlags(c, lf.get(), "operationType = deprecate");
    c->footer("Example:\n  imago operations list --filter 'status != DONE'");
    c->callback([&ctx, lf] {
      const char* cmd = "operations.list";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      auto zones = compute::ListAllZones(svc->zones(), ctx.g.project);
      if (!zones.ok()) {
        ctx.Fail(cmd, zones.status());
        return;
      }
      std::vector<std::string> locations = {""};  // "" is global.
      for (const auto& z : *zones) locations.push_back(z.name);
      if (compute::Status st = CheckPageSize(lf->page_size); !st.ok()) {
        ctx.Fail(cmd, st);
        return;
      }
      ListFilter filter = SplitFilter(lf->filter);
      std::vector<Json> rows;
      for (const auto& zone : locations) {
        compute::ListOptions opts;
        opts.filter = filter.api;
        opts.max_results = lf->page_size;
        opts.order_by = "creationTimestamp desc";
        size_t from_here = 0;
        while (filter.client || lf->limit < 0 || from_here < static_cast<size_t>(lf->limit)) {
          auto page = svc->operations().List({ctx.g.project, zone}, opts);
          if (!page.ok()) {
            ctx.Fail(cmd, page.status());
            return;
          }
          for (const auto& op : page->items) rows.push_back(compute::ToJson(op));
          from_here += page->items.size();
          if (page->next_page_token.empty()) break;
          opts.page_token = page->next_page_token;
        }
      }
      // Newest first across locations (RFC 3339 UTC text sorts by time).
      std::stable_sort(rows.begin(), rows.end(), [](const Json& a, const Json& b) {
        return Field(a, "insertTime") > Field(b, "insertTime");
      });
      if (compute::Status st = SortRows(lf->sort_by, &rows); !st.ok()) {
        ctx.Fail(cmd, st);
        return;
      }
      if (filter.client) {
        if (std::string w = ApplyClientFilter(*filter.client, &rows); !w.empty()) ctx.Warn(w);
      }
      if (lf->limit >= 0 && rows.size() > static_cast<size_t>(lf->limit)) rows.resize(lf->limit);
      PrintList(std::cout, ctx.OutputFormat(Format::kTable), rows, OperationColumns());
    });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c = ops->add_subcommand("describe", "Show one operation");
    c->add_option("NAME", *name, "Operation name or id")->required();
    c->footer("Example:\n  imago operations describe operation-1764171000000-...");
    c->callback([&ctx, name] {
      const char* cmd = "operations.describe";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      auto op = svc->operations().Get(compute::Scope::Global(ctx.g.project), *name);
      if (!op.ok() && op.status().code() == compute::Code::kNotFound) {
        // Not global: look in the zones.
        auto zones = compute::ListAllZones(svc->zones(), ctx.g.project);
        for (size_t i = 0; zones.ok() && i < zones->size(); ++i) {
          auto z = svc->operations().Get({ctx.g.project, (*zones)[i].name}, *name);
          if (z.ok() || z.status().code() != compute::Code::kNotFound) {
            op = std::move(z);
            break;
          }
        }
      }
      if (!op.ok()) {
        ctx.Fail(cmd, op.status());
        return;
      }
      PrintResource(std::cout, ctx.OutputFormat(Format::kYaml), compute::ToJson(*op));
    });
  }
}

}  // namespace imago::cli
