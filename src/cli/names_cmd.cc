// imago names ...: the naming convention (suggest, check, per-family templates).
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "compute/names.h"
#include "lifecycle/naming.h"

namespace imago::cli {
namespace {

struct SuggestFlags {
  lifecycle::NameParts parts;
  std::string family, tmpl;
};

}  // namespace

void AddNamesCommands(CLI::App& root, Context& ctx) {
  CLI::App* names = root.add_subcommand("names", "The image naming convention");
  names->require_subcommand(1);
  {
    auto f = std::make_shared<SuggestFlags>();
    CLI::App* c = names->add_subcommand("suggest", "Print a name that follows the convention");
    c->add_option("--os", f->parts.os, "Operating system, e.g. debian-12");
    c->add_option("--role", f->parts.role, "Function: base, app, product...");
    c->add_option("--software", f->parts.software, "Main software, e.g. nginx");
    c->add_option("--version", f->parts.version, "Its version, e.g. 1.24.0");
    c->add_option("--family", f->family, "Use this family's template (and fill {family})");
    c->add_option("--template", f->tmpl, "Use this template");
    c->footer(
        "Example:\n"
        "  imago names suggest --os debian-12 --role app --software nginx --version 1.24.0\n"
        "  -> debian-12-app-nginx-1-24-0-v20261126-153000");
    c->callback([&ctx, f] {
      const char* cmd = "names.suggest";
      std::string tmpl = f->tmpl;
      if (tmpl.empty() && !f->family.empty()) {
        auto t = lifecycle::NamingStore(ctx.Home() + "/naming.json").Get(f->family);
        if (!t.ok()) {
          ctx.Fail(cmd, t.status());
          return;
        }
        tmpl = t->value_or("");
      }
      if (tmpl.empty()) tmpl = lifecycle::kDefaultTemplate;
      f->parts.family = f->family;
      f->parts.when = ctx.Clock().Now();
      auto name = lifecycle::RenderName(tmpl, f->parts);
      if (!name.ok()) {
        ctx.Fail(cmd, name.status());
        return;
      }
      if (ctx.OutputFormat(Format::kTable) == Format::kTable) {
        std::cout << *name << "\n";
      } else {
        PrintResource(std::cout, ctx.OutputFormat(Format::kTable),
                      Json{{"name", *name}, {"template", tmpl}});
      }
    });
  }
  {
    auto name = std::make_shared<std::string>();
    auto family = std::make_shared<std::string>();
    CLI::App* c = names->add_subcommand("check", "Explain every rule a name breaks");
    c->add_option("NAME", *name, "The name to check")->required();
    c->add_option("--family", *family, "Also check it against this family's template");
    c->footer("Example:\n  imago names check Debian_12-App --family web");
    c->callback([&ctx, name, family] {
      const char* cmd = "names.check";
      std::optional<std::string> tmpl;
      if (!family->empty()) {
        auto t = lifecycle::NamingStore(ctx.Home() + "/naming.json").Get(*family);
        if (!t.ok()) {
          ctx.Fail(cmd, t.status());
          return;
        }
        tmpl = t->value_or(lifecycle::kDefaultTemplate);
      }
      auto problems = lifecycle::CheckName(*name, tmpl);
      Format fmt = ctx.OutputFormat(Format::kTable);
      if (fmt != Format::kTable) {
        PrintResource(std::cout, fmt,
                      Json{{"name", *name}, {"valid", problems.empty()}, {"problems", problems}});
      } else if (problems.empty()) {
        std::cout << *name << ": valid\n";
      } else {
        std::cout << *name << ": not valid\n";
        for (const auto& p : problems) std::cout << "  - " << p << "\n";
      }
      if (!problems.empty()) ctx.exit_code = kExitInvalid;
    });
  }
  {
    auto family = std::make_shared<std::string>();
    auto tmpl = std::make_shared<std::string>();
    CLI::App* c =
        names->add_subcommand("set-template", "Set (or with \"\" remove) a family's template");
    c->add_option("FAMILY", *family, "Family name")->required();
    c->add_option("TEMPLATE", *tmpl, "e.g. '{os}-{software}-{version}-v{date}'")->required();
    c->footer(
        "Example:\n  imago names set-template web '{os}-web-{software}-{version}-v{date}-{time}'");
    c->callback([&ctx, family, tmpl] {
      const char* cmd = "names.set-template";
      compute::Status st = lifecycle::NamingStore(ctx.Home() + "/naming.json").Set(*family, *tmpl);
      if (!st.ok()) {
        ctx.Fail(cmd, st);
        return;
      }
      std::cerr << (tmpl->empty() ? "Removed the template of " : "Set the template of ") << *family
                << ".\n";
    });
  }
  {
    CLI::App* c = names->add_subcommand("templates", "List the families' templates");
    c->callback([&ctx] {
      auto all = lifecycle::NamingStore(ctx.Home() + "/naming.json").All();
      if (!all.ok()) {
        ctx.Fail("names.templates", all.status());
        return;
      }
      std::vector<Json> rows;
      rows.push_back({{"family", "(default)"}, {"template", lifecycle::kDefaultTemplate}});
      for (const auto& [f, t] : *all) rows.push_back({{"family", f}, {"template", t}});
      PrintList(std::cout, ctx.OutputFormat(Format::kTable), rows,
                {{"FAMILY", [](const Json& j) { return Field(j, "family"); }},
                 {"TEMPLATE", [](const Json& j) { return Field(j, "template"); }}});
    });
  }
}

}  // namespace imago::cli
