#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace imago::cli {
namespace {

// Levenshtein distance, for "did you mean".
size_t Distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

// The names of `candidates` close to `word` (a typo, or a prefix), nearest first.
std::vector<std::string> Nearest(const std::string& word,
                                 const std::vector<std::string>& candidates) {
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& c : candidates) {
    size_t d = Distance(word, c);
    if (c.starts_with(word) && word.size() >= 2) d = std::min<size_t>(d, 1);
    if (d <= std::max<size_t>(2, word.size() / 3)) scored.push_back({d, c});
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < 3; ++i) out.push_back(scored[i].second);
  return out;
}

std::vector<std::string> CommandNames(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
    if (!sub->get_name().empty() && !sub->get_group().empty()) names.push_back(sub->get_name());
  }
  return names;
}

/// Appends to the help of `app`'s commands, at every depth, the global
/// flags they take (as gcloud's GCLOUD WIDE FLAGS).
void AddGlobalFlagsFooter(CLI::App* app, const std::string& line) {
  for (CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_group().empty()) continue;  // Hidden commands.
    std::string footer = sub->get_footer();
    sub->footer(footer.empty() ? line : footer + "\n\n" + line);
    AddGlobalFlagsFooter(sub, line);
  }
}

std::string Path(const CLI::App* app) {
  std::string path;
  for (const CLI::App* a = app; a; a = a->get_parent())
    path = a->get_name() + (path.empty() ? "" : " " + path);
  return path;
}

std::string JoinOr(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
  }
  return out;
}

// The command the words of argv name, as deep as they go; `*next` is the
// index of the first word after it that is not a flag (argc when none).
CLI::App* Deepest(CLI::App& root, int argc, char** argv, int* next) {
  CLI::App* cur = &root;
  *next = argc;
  for (int i = 1; i < argc; ++i) {
    std::string w = argv[i];
    if (w.starts_with("-")) continue;
    CLI::App* sub = nullptr;
    try {
      sub = cur->get_subcommand(w);
    } catch (const CLI::OptionNotFound&) {
    }
    if (!sub) {
      *next = i;
      return cur;
    }
    cur = sub;
  }
  return cur;
}

// What to say for a command line CLI11 refused: the unknown word and the
// nearest known ones, or the commands a group has.
std::string Explain(CLI::App& root, int argc, char** argv, const CLI::ParseError& e) {
  int next = argc;
  CLI::App* cur = Deepest(root, argc, argv, &next);
  const std::string where = Path(cur);
  std::vector<std::string> commands = CommandNames(cur);
  const std::string what = e.what();
  // A bad value of a known flag: CLI11's line names the flag and the values.
  if (dynamic_cast<const CLI::ValidationError*>(&e) ||
      dynamic_cast<const CLI::ConversionError*>(&e)) {
    return what;
  }
  if (what.find("not expected") != std::string::npos ||
      what.find("not found") != std::string::npos) {
    // An unknown flag: the first argument starting with '-' that it names.
    for (int i = 1; i < argc; ++i) {
      std::string w = argv[i];
      if (!w.starts_with("--") || what.find(w.substr(0, w.find('='))) == std::string::npos)
        continue;
      w = w.substr(0, w.find('='));
      std::vector<std::string> flags;
      for (const CLI::App* a = cur; a; a = a->get_parent()) {
        for (const CLI::Option* o : a->get_options()) {
          for (const auto& l : o->get_lnames()) flags.push_back("--" + l);
        }
      }
      auto near = Nearest(w, flags);
      return fmt::format("unknown flag {} for '{}'{}", w, where,
                         near.empty() ? "" : "; did you mean " + JoinOr(near) + "?");
    }
  }
  if (!commands.empty() && next < argc) {
    std::string word = argv[next];
    auto near = Nearest(word, commands);
    return fmt::format("'{}' is not a command of '{}'{}", word, where,
                       near.empty() ? "; its commands: " + JoinOr(commands)
                                    : "; did you mean " + JoinOr(near) + "?");
  }
  if (!commands.empty() && what.find("subcommand is required") != std::string::npos) {
    return fmt::format("'{}' needs a command: {}", where, JoinOr(commands));
  }
  return what;
}

}  // namespace

int Main(int argc, char** argv) {
  Context ctx;
  CLI::App app{"imago: immutable infrastructure for virtual machines"};
  app.name("imago");
  app.fallthrough();  // Global flags may follow the subcommand.
  app.require_subcommand(1);
  app.set_version_flag("--version", "imago 0.1.0");
  ctx.AddFlags(app);
  AddImagesCommands(app, ctx);
  AddOperationsCommands(app, ctx);
  AddNamesCommands(app, ctx);
  AddRotateCommands(app, ctx);
  AddInstancesCommands(app, ctx);
  AddDisksCommands(app, ctx);
  AddSnapshotsCommands(app, ctx);
  AddInstanceTemplatesCommands(app, ctx);
  AddHealthChecksCommands(app, ctx);
  AddLoadBalancerCommands(app, ctx);
  AddInstanceGroupsCommands(app, ctx);
  AddControllerCommands(app, ctx);
  AddZonesCommands(app, ctx);
  AddMetadataCommand(app, ctx);
  AddServeCommand(app, ctx);
  AddBakeCommands(app, ctx);
  AddDeployCommands(app, ctx);
  AddProjectInfoCommands(app, ctx);
  AddUpdateCheckCommand(app, ctx);
  AddPipelineCommands(app, ctx);
  AddConfigCommands(app, ctx);
  {
    std::vector<std::string> flags;
    for (const CLI::Option* o : app.get_options()) {
      for (const std::string& name : o->get_lnames()) {
        if (name != "help" && name != "version") flags.push_back("--" + name);
      }
    }
    AddGlobalFlagsFooter(&app, "Global flags (imago --help says what each does): " +
                                   fmt::format("{}", fmt::join(flags, ", ")));
  }
  // imago help [COMMAND...] and imago version, as gcloud has them.
  std::vector<std::string> help_path;
  CLI::App* help =
      app.add_subcommand("help", "Help on imago or on a command: imago help images create");
  help->add_option("COMMAND", help_path, "The command (its words)");
  help->callback([&app, &help_path, &ctx] {
    CLI::App* cur = &app;
    for (const auto& w : help_path) {
      CLI::App* sub = nullptr;
      try {
        sub = cur->get_subcommand(w);
      } catch (const CLI::OptionNotFound&) {
      }
      if (!sub) {
        auto near = Nearest(w, CommandNames(cur));
        std::cerr << fmt::format("ERROR: (imago.help) '{}' is not a command of '{}'{}\n", w,
                                 Path(cur),
                                 near.empty() ? "" : "; did you mean " + JoinOr(near) + "?");
        ctx.exit_code = kExitUsage;
        return;
      }
      cur = sub;
    }
    // App::help() would follow the parsed subcommands (help itself): the formatter does not.
    std::cout << cur->get_formatter()->make_help(cur, Path(cur), CLI::AppFormatMode::Normal);
  });
  CLI::App* version = app.add_subcommand("version", "The version of imago");
  version->callback([] { std::cout << "imago 0.1.0\n"; });
  AddCompletionCommand(app, ctx);
  app.footer(
      "Examples:\n"
      "  imago images create image-v1 --source-file v1.qcow2 --family my-image-family\n"
      "  imago images describe-from-family my-image-family\n"
      "  imago images list --format json\n"
      "  imago instances create web-1 --image-family my-image-family --ports 80\n\n"
      "Exit codes: 0 ok, 1 internal, 2 usage, 3 invalid value, 4 not found, 5 already exists,\n"
      "6 changed meanwhile (412), 7 not ready / in use, 8 unavailable (retry), 9 auth,\n"
      "10 some changes of a batch failed (the others took effect), 11 a bake's provisioner\n"
      "failed, 12/13 a release failed its health check (rolled back / left), 100 update-check\n"
      "found updates, 130 interrupted.\n\n"
      "Help on a command: imago help COMMAND..., or COMMAND --help.");
  // A --zone typed on the command line narrows lists; the configured zone
  // (IMAGO_ZONE, gcloud's compute/zone) does not, as in gcloud.
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") break;
    if (a == "--zone" || a.starts_with("--zone=")) ctx.g.zone_flag = true;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line that says what was wrong and where to look.
    std::cerr << "ERROR: (imago) " << Explain(app, argc, argv, e)
              << " (see imago help, or imago help COMMAND)\n";
    return kExitUsage;
  }
  return ctx.exit_code;
}

}  // namespace imago::cli
