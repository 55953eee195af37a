#include "cli/resource_cmd.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include "compute/json_codec.h"
#include "compute/resource_ref.h"

namespace imago::cli {

compute::Result<int> ParseSeconds(const char* flag, const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  std::string unit = text.substr(digits);
  if (digits == 0 || digits > 5 || (unit != "" && unit != "s" && unit != "m")) {
    return compute::Status::InvalidField(flag, text, "Give seconds, e.g. 5s or 1m.");
  }
  int n = std::stoi(text.substr(0, digits));
  return unit == "m" ? n * 60 : n;
}

std::string LastOf(const Json& j, const std::string& key) {
  return compute::LastSegment(Field(j, key));
}

void AddNamesVerb(CLI::App* c, Context& ctx, const char* cmd, const char* verb, NameFn fn,
                  std::function<int(compute::Service&, const std::string&)> describe) {
  auto names = std::make_shared<std::vector<std::string>>();
  c->add_option("NAME", *names, "Names")->required();
  c->callback([&ctx, names, cmd, verb, fn, describe] {
    compute::Service* svc = ctx.Service(cmd);
    if (!svc) return;
    for (const auto& name : *names) {
      std::cerr << verb << " [" << name << "]...";
      auto op = fn(*svc, name);
      std::cerr << (op.ok() && !op->failed() ? "done.\n" : "failed.\n");
      if (ctx.Check(cmd, op)) return;
      if (describe) {
        if (int rc = describe(*svc, name)) {
          ctx.exit_code = rc;
          return;
        }
      } else if (ctx.OutputFormat(Format::kTable) != Format::kTable) {
        PrintResource(std::cout, ctx.OutputFormat(Format::kJson), compute::ToJson(*op));
      }
    }
  });
}

void AddDescribe(CLI::App* g, Context& ctx, const char* cmd, const char* help, const char* example,
                 GetFn get) {
  auto name = std::make_shared<std::string>();
  CLI::App* c = g->add_subcommand("describe", help);
  c->add_option("NAME", *name, "Name or id")->required();
  c->footer(std::string("Example:\n  ") + example);
  c->callback([&ctx, name, cmd, get] {
    compute::Service* svc = ctx.Service(cmd);
    if (!svc) return;
    auto r = get(*svc, *name);
    if (!r.ok()) {
      ctx.Fail(cmd, r.status());
      return;
    }
    PrintResource(std::cout, ctx.OutputFormat(Format::kYaml), *r);
  });
}

compute::Result<std::vector<std::string>> ListZones(Context& ctx, compute::Service& svc,
                                                    const std::vector<std::string>& given) {
  std::vector<std::string> zones = given;
  if (zones.empty() && ctx.g.zone_flag) zones.push_back(ctx.g.zone);
  if (zones.empty()) return zones;
  auto known = svc.zones().List(ctx.g.project, {});
  if (!known.ok()) return known.status();
  std::vector<std::string> names;
  for (const auto& z : known->items) names.push_back(z.name);
  for (const auto& z : zones) {
    if (std::find(names.begin(), names.end(), z) == names.end()) {
      return compute::Status::NotFound(
          fmt::format("unknown zone '{}'; the project's zones: {}", z, fmt::join(names, ", ")));
    }
  }
  return zones;
}

compute::Status WithZones(const compute::Status& st, const std::string& kind,
                          const std::string& name, const std::vector<std::string>& zones) {
  if (st.code() != compute::Code::kNotFound || zones.empty()) return st;
  return compute::Status(
      st.code(), fmt::format("{}; {} {} is in zone{} {}: add --zone {}", st.message(), kind, name,
                             zones.size() > 1 ? "s" : "", fmt::join(zones, " and "), zones[0]));
}

}  // namespace imago::cli
