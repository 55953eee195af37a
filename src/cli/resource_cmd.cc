#include "cli/resource_cmd.h"

#include <algorithm>
#include <set>

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

void AddListFlags(CLI::App* c, ListFlags* f, const std::string& filter_example) {
  c->add_option(
       "--filter", f->filter,
       "The API's or gcloud's filter, e.g. '" + filter_example + "', 'name~^web' (docs/filters.md)")
      ->type_name("EXPR");
  c->add_option("--sort-by", f->sort_by,
                "KEY[,KEY...] to sort by, ~KEY for descending (e.g. ~creationTimestamp)")
      ->type_name("KEY");
  c->add_option("--limit", f->limit, "At most this many (default: all)")
      ->type_name("N")
      ->check([](const std::string& v) -> std::string {
        return v.find_first_not_of("0123456789") == std::string::npos && !v.empty() &&
                       v.find_first_not_of('0') != std::string::npos
                   ? ""
                   : "must be a whole number of 1 or more (leave --limit out for all)";
      });
  c->add_option("--page-size", f->page_size, "Resources per API call (1-500, default 500)")
      ->type_name("N");
}

compute::Status CheckPageSize(uint32_t page_size) {
  if (page_size >= 1 && page_size <= 500) return compute::Status::OK();
  return compute::Status::InvalidField("--page-size", std::to_string(page_size),
                                       "Must be between 1 and 500.");
}

namespace {

/// "a, b, c": the top-level keys of `rows`, sorted, for the messages that
/// say which keys exist.
std::string TopKeys(const std::vector<Json>& rows) {
  std::set<std::string> have;
  for (const Json& r : rows) {
    for (const auto& [name, v] : r.items()) have.insert(name);
  }
  return fmt::format("{}", fmt::join(have, ", "));
}

}  // namespace

compute::Status SortRows(const std::string& sort_by, std::vector<Json>* rows) {
  if (sort_by.empty() || rows->empty()) return compute::Status::OK();
  std::vector<std::pair<std::string, bool>> keys;  // Key, descending.
  for (const std::string& k : SplitFlagList(sort_by)) {
    bool desc = k[0] == '~';
    std::string key = desc ? k.substr(1) : k;
    bool seen = std::any_of(rows->begin(), rows->end(),
                            [&](const Json& r) { return !Field(r, key).empty(); });
    if (!seen) {
      return compute::Status::Invalid(fmt::format(
          "--sort-by: no resource listed has the key '{}'; they have: {}", key, TopKeys(*rows)));
    }
    keys.emplace_back(key, desc);
  }
  auto number = [](const std::string& x) {
    return !x.empty() && x.find_first_not_of("0123456789") == std::string::npos;
  };
  std::stable_sort(rows->begin(), rows->end(), [&](const Json& a, const Json& b) {
    for (const auto& [key, desc] : keys) {
      std::string x = Field(a, key), y = Field(b, key);
      if (x == y) continue;
      bool less = number(x) && number(y) && x.size() != y.size() ? x.size() < y.size() : x < y;
      return desc ? !less : less;
    }
    return false;
  });
  return compute::Status::OK();
}

ListFilter SplitFilter(const std::string& text) {
  ListFilter out;
  auto parsed = GcloudFilter::Parse(text);
  if (text.find_first_not_of(" \t") == std::string::npos || !parsed.ok() ||
      !parsed->needs_client()) {
    out.api = text;
  } else {
    out.client = std::make_unique<GcloudFilter>(std::move(*parsed));
  }
  return out;
}

std::string ApplyClientFilter(const GcloudFilter& filter, std::vector<Json>* rows) {
  std::string warning;
  if (!rows->empty()) {
    for (const std::string& key : filter.keys()) {
      std::string top = key.substr(0, key.find('.'));
      if (top == "labels") continue;
      bool seen = std::any_of(rows->begin(), rows->end(),
                              [&](const Json& r) { return r.is_object() && r.contains(top); });
      if (seen) continue;
      warning = fmt::format("--filter: no resource listed has the key '{}' (they have: {})", top,
                            TopKeys(*rows));
      break;
    }
  }
  std::erase_if(*rows, [&](const Json& r) { return !filter.Matches(r); });
  return warning;
}

}  // namespace imago::cli
