// imago config set|get|unset|list: the user's defaults for project and zone,
// under gcloud's property names.
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/user_config.h"

namespace imago::cli {

void AddConfigCommands(CLI::App& root, Context& ctx) {
  CLI::App* g = root.add_subcommand(
      "config", "Your defaults for project and zone (gcloud's core/project, compute/zone)");
  g->require_subcommand(1);
  g->footer(
      "Kept in ${XDG_CONFIG_HOME:-~/.config}/imago/properties. Order: a flag, then "
      "IMAGO_PROJECT / IMAGO_ZONE, then these, then (with --cloud gce) gcloud's "
      "configuration, then local / local-a.\n\nExample:\n  imago config set project shop\n"
      "  imago config set compute/zone local-b\n  imago config list");
  // set PROPERTY VALUE and unset PROPERTY: one write each (unset: an empty value).
  for (bool set : {true, false}) {
    auto name = std::make_shared<std::string>();
    auto value = std::make_shared<std::string>();
    const char* cmd = set ? "config.set" : "config.unset";
    CLI::App* c =
        g->add_subcommand(set ? "set" : "unset", set ? "Set a property" : "Unset a property");
    c->add_option("PROPERTY", *name, "core/project or compute/zone (project, zone)")->required();
    if (set) c->add_option("VALUE", *value, "Its value")->required();
    c->footer(set ? "Example:\n  imago config set project shop"
                  : "Example:\n  imago config unset compute/zone");
    c->callback([&ctx, name, value, cmd, set] {
      auto p = PropertyName(*name);
      compute::Status st = p.ok() ? WriteUserProperty(*p, set ? *value : "") : p.status();
      if (!st.ok()) {
        ctx.exit_code = ctx.Fail(cmd, st);
        return;
      }
      std::cerr << (set ? "Updated" : "Unset") << " property [" << *p << "].\n";
    });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("get", "Print a property's value (gcloud's get-value)");
    c->add_option("PROPERTY", *name, "core/project or compute/zone")->required();
    c->footer("Example:\n  imago config get project");
    c->callback([&ctx, name] {
      auto p = PropertyName(*name);
      if (!p.ok()) {
        ctx.exit_code = ctx.Fail("config.get", p.status());
        return;
      }
      auto props = ReadUserConfig();
      auto it = props.find(*p);
      if (it == props.end()) {
        std::cerr << "(unset)\n";
      } else {
        std::cout << it->second << "\n";
      }
    });
  }
  {
    CLI::App* c = g->add_subcommand("list", "The properties set");
    c->footer("Example:\n  imago config list --format json");
    c->callback([&ctx] {
      auto props = ReadUserConfig();
      Json j = Json::object();
      for (const auto& p : KnownProperties()) {
        auto it = props.find(p);
        if (it == props.end()) continue;
        j[p.substr(0, p.find('/'))][p.substr(p.find('/') + 1)] = it->second;
      }
      Format f = ctx.OutputFormat(Format::kTable);
      if (f != Format::kTable) {
        PrintResource(std::cout, f, j);
        return;
      }
      // As gcloud prints it: [section] then key = value.
      for (const auto& [section, keys] : j.items()) {
        std::cout << "[" << section << "]\n";
        for (const auto& [key, value] : keys.items()) {
          std::cout << key << " = " << value.get<std::string>() << "\n";
        }
      }
      if (j.empty()) std::cerr << "No properties set (imago config set PROPERTY VALUE).\n";
    });
  }
}

}  // namespace imago::cli
