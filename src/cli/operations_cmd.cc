// imago operations ...: the journal of mutations (global operations).
#include <iostream>

#include "cli/commands.h"
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
         return p == std::string::npos ? t : t.substr(p + 8);
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
    auto filter = std::make_shared<std::string>();
    auto limit = std::make_shared<int64_t>(-1);
    CLI::App* c = ops->add_subcommand("list", "List operations, newest first");
    c->add_option("--filter", *filter, "API filter, e.g. 'operationType = deprecate'");
    c->add_option("--limit", *limit, "At most this many");
    c->footer("Example:\n  imago operations list --filter 'status != DONE'");
    c->callback([&ctx, filter, limit] {
      const char* cmd = "operations.list";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      compute::ListOptions opts;
      opts.filter = *filter;
      opts.order_by = "creationTimestamp desc";
      std::vector<Json> rows;
      while (*limit < 0 || rows.size() < static_cast<size_t>(*limit)) {
        auto page = svc->ListGlobalOperations(ctx.g.project, opts);
        if (!page.ok()) {
          ctx.Fail(cmd, page.status());
          return;
        }
        for (const auto& op : page->items) rows.push_back(compute::ToJson(op));
        if (page->next_page_token.empty()) break;
        opts.page_token = page->next_page_token;
      }
      if (*limit >= 0 && rows.size() > static_cast<size_t>(*limit)) rows.resize(*limit);
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
      auto op = svc->GetGlobalOperation(ctx.g.project, *name);
      if (!op.ok()) {
        ctx.Fail(cmd, op.status());
        return;
      }
      PrintResource(std::cout, ctx.OutputFormat(Format::kYaml), compute::ToJson(*op));
    });
  }
}

}  // namespace imago::cli
