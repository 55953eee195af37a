// imago bake: builds images from specs (src/bake/), one or a cascade; and
// the hidden `imago __guest`, which Ansible's connection plugin runs to
// reach a builder VM's agent.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include "agent/guest_channel.h"
#include "bake/baker.h"
#include "bake/cascade.h"
#include "bake/spec.h"
#include "cli/cloud_factory.h"
#include "cli/commands.h"
#include "compute/json_codec.h"
#include "lifecycle/naming.h"

namespace imago::cli {
namespace {

using compute::Status;

std::atomic<bool> g_cancel{false};

void OnSignal(int) {
  g_cancel = true;
}

/// Steps with elapsed time on a terminal; timestamped log lines otherwise.
class CliReporter final : public bake::BakeReporter {
 public:
  CliReporter() : tty_(isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()) {}
  void Begin(const std::string& spec) {
    spec_ = std::filesystem::path(spec).stem().string();
    start_ = std::chrono::steady_clock::now();
    if (tty_) std::cerr << "==> bake " << spec << "\n";
  }
  void Step(const std::string& what) override { Line("-", what); }
  void Done(const std::string& what) override { Line("+", what); }
  void Output(bool is_stderr, const std::string& line) override {
    if (tty_) {
      std::cerr << "          " << (is_stderr ? "! " : "| ") << line << "\n";
    } else {
      std::cerr << Stamp() << " bake " << spec_ << ": " << (is_stderr ? "! " : "| ") << line
                << "\n";
    }
  }

 private:
  void Line(const char* mark, const std::string& what) {
    if (tty_) {
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      std::cerr << fmt::format("  {} [{:6.1f}s] {}\n", mark, s, what);
    } else {
      std::cerr << Stamp() << " bake " << spec_ << ": " << what << "\n";
    }
  }
  static std::string Stamp() {
    return compute::FormatRfc3339(std::chrono::duration_cast<std::chrono::microseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count())
               .substr(0, 19) +
           "Z";
  }
  bool tty_;
  std::string spec_;
  std::chrono::steady_clock::time_point start_;
};

compute::Json ResultJson(const bake::BakeResult& r) {
  compute::Json j = {{"spec", r.spec},
                     {"family", r.family},
                     {"sourceImage", r.source_image},
                     {"digest", r.digest},
                     {"cached", r.cached},
                     {"durationSeconds", std::round(r.seconds * 10) / 10}};
  // A failed bake made no image: its result names none.
  if (!r.image_id.empty()) {
    j["image"] = r.image;
    j["imageId"] = r.image_id;
  }
  if (!r.log_path.empty()) j["log"] = r.log_path;
  if (r.provisioner_exit_code != 0) {
    j["provisionerExitCode"] = r.provisioner_exit_code;
    j["lastOutput"] = r.last_output;
  }
  return j;
}

bool OnPath(const std::string& program) {
  const char* path = getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t colon = p.find(':', start);
    std::string dir = p.substr(start, colon == std::string::npos ? colon : colon - start);
    if (access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return false;
}

struct BakeFlags {
  std::vector<std::string> specs;
  std::string specs_dir;
  bool cascade = false;
  bool force = false;
  std::vector<std::string> vars;       // --var NAME=VALUE
  std::vector<std::string> var_files;  // --var-file FILE
  bool validate = false;               // imago bake validate: check, build nothing.
  bool dry_run = false;                // What would be built and why; nothing made.
};

// The values of --var-file FILE... then --var NAME=VALUE... (later wins).
// kInvalidUsage for a --var that is not NAME=VALUE.
compute::Result<bake::VarValues> VarsOf(const BakeFlags& f) {
  bake::VarValues out;
  for (const std::string& file : f.var_files) {
    auto v = bake::LoadVarFile(file);
    if (!v.ok()) return v.status();
    for (auto& [k, x] : *v) out[k] = x;
  }
  for (const std::string& kv : f.vars) {
    size_t eq = kv.find('=');
    std::string name = kv.substr(0, eq);
    if (eq == std::string::npos || !bake::IsVarName(name))
      return Status(compute::Code::kInvalidUsage, "--var '" + kv + "': expected NAME=VALUE");
    out[name] = kv.substr(eq + 1);
  }
  return out;
}

// OK when the zone has the machine type; else why not, with the types it has.
Status CheckMachineType(compute::Service& svc, const std::string& project, const std::string& zone,
                        const std::string& name) {
  auto type = svc.machine_types().Get(project, zone, name);
  if (type.ok()) return Status::OK();
  if (type.status().code() != compute::Code::kNotFound) return type.status();
  std::string known;
  auto list = svc.machine_types().List(project, zone, {});
  if (list.ok()) {
    for (const auto& t : list->items) known += (known.empty() ? "" : ", ") + t.name;
  }
  return Status::Invalid("unknown machine type '" + name + "'" +
                         (known.empty() ? "" : "; use one of " + known) +
                         " or custom-CPUS-MEMORY_MB (e.g. custom-1-512)");
}

// The kit's image for a kit family ("kit-debian": build/kit/debian.qcow2,
// "kit": build/kit/busybox.qcow2, beside the imago binary that make built);
// "" for another family, or when that file is not there.
std::string KitImageFile(const std::string& family) {
  const char* file = family == "kit-debian" ? "debian.qcow2"
                     : family == "kit"      ? "busybox.qcow2"
                                            : "";
  if (!*file || ThisProgram().empty()) return "";
  std::string path = (std::filesystem::path(ThisProgram()).parent_path() / "kit" / file).string();
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) ? path : "";
}

// A source family that has no image: a kit family is filled from the kit's
// file (and says so); otherwise the error says how to fill it.
Status FillSourceFamily(Context& ctx, compute::Service& svc, const bake::BakeSpec& s,
                        const Status& not_found, bool validate_only) {
  std::string kit = KitImageFile(s.source_family);
  if (kit.empty()) {
    std::string how =
        s.source_family.rfind("kit", 0) == 0
            ? "build the kit (make kit) and import it: imago images create " + s.source_family +
                  "-v1 --source-file build/kit/" +
                  (s.source_family == "kit" ? "busybox" : "debian") + ".qcow2 --family " +
                  s.source_family
            : "bake the spec of family " + s.source_family +
                  " first (or with --cascade from its parent), or import an image into it: "
                  "imago images create NAME --source-file FILE --family " +
                  s.source_family;
    return Status(not_found.code(), not_found.message() + "; " + how);
  }
  if (validate_only) {
    std::cerr << "(" << s.source_family << " has no image yet: a bake imports the kit's " << kit
              << ")\n";
    return Status::OK();
  }
  compute::Image im;
  lifecycle::NameParts parts;
  parts.family = s.source_family;
  parts.when = ctx.Clock().Now();
  auto name = lifecycle::RenderName("{family}-v{date}-{time}", parts);  // kit-v20261206-033000
  if (!name.ok()) return name.status();
  im.name = *name;
  im.family = s.source_family;
  im.description = "The kit's image, imported by imago bake from " + kit;
  im.raw_disk = compute::RawDisk{kit, "", ""};
  auto op = svc.images().Insert(ctx.g.project, im, {});
  if (!op.ok()) return op.status();
  if (op->failed()) return Status::Invalid(op->errors.front().message);
  std::cerr << s.source_family << " had no image: imported the kit's " << kit << " as " << im.name
            << " (make kit builds it)\n";
  return Status::OK();
}

// The table of a run's specs: SPEC (the file's name) and FAMILY, then `more`.
std::vector<Column> SpecTable(std::vector<Column> more) {
  std::vector<Column> cols = {
      {"SPEC",
       [](const Json& j) {
         return std::filesystem::path(j["spec"].get<std::string>()).filename().string();
       }},
      {"FAMILY", [](const Json& j) { return Field(j, "family"); }}};
  cols.insert(cols.end(), more.begin(), more.end());
  return cols;
}

// bake --dry-run: for each spec in build order, whether it would be built
// or found in the cache, and why: the inputs that changed since the
// family's last bake, or that its source family is rebuilt first.
int DryRun(Context& ctx, bake::Baker& baker, const bake::BakeOptions& o,
           const std::vector<bake::BakeSpec>& plan, const std::set<std::string>& imported) {
  std::set<std::string> rebuilt;  // Families that get a new image in this run.
  std::vector<compute::Json> rows;
  int builds = 0;
  for (const auto& s : plan) {
    compute::Json row = {{"spec", s.path}, {"family", s.family}};
    std::vector<std::string> why;
    if (!s.source_family.empty() &&
        (rebuilt.count(s.source_family) || imported.count(s.source_family))) {
      row["source"] = "(new image of " + s.source_family + ")";
      why.push_back(imported.count(s.source_family)
                        ? "family " + s.source_family +
                              " is empty: the bake imports the kit's image first"
                        : "its source family " + s.source_family + " gets a new image in this run");
    } else {
      bake::BakeDryRun d;
      Status st = baker.DryRun(s, o, &d);
      if (!st.ok()) return ctx.Fail("bake", st);
      row["source"] = d.source_image;
      row["digest"] = d.digest;
      if (!d.cached_image.empty()) row["image"] = d.cached_image;
      why = d.why;
    }
    const bool build = !row.contains("image");
    row["action"] = build ? "build" : "cached";
    row["why"] = why;
    if (build) {
      rebuilt.insert(s.family);
      ++builds;
    }
    rows.push_back(std::move(row));
  }
  PrintList(std::cout, ctx.OutputFormat(Format::kTable), rows,
            SpecTable({{"SOURCE", [](const Json& j) { return Field(j, "source"); }},
                       {"ACTION", [](const Json& j) { return Field(j, "action"); }},
                       {"WHY", [](const Json& j) {
                          if (j["action"] == "cached")
                            return "has these inputs: " + Field(j, "image");
                          std::string out;
                          for (const auto& w : j["why"])
                            out += (out.empty() ? "" : "; ") + w.get<std::string>();
                          return out;
                        }}}));
  std::cerr << fmt::format("Dry run: {} of {} spec(s) would be built; nothing was made.\n", builds,
                           plan.size());
  return kExitOk;
}

int RunBake(Context& ctx, const BakeFlags& f) {
  const char* cmd = "bake";
  if (ctx.g.cloud != "local") {
    return ctx.Usage(cmd, "bake builds on the local cloud: drop --cloud gce (IMAGO_CLOUD)");
  }
  if (f.specs.empty()) {
    return ctx.Usage(cmd, "give the spec files to bake, e.g. imago bake base.yaml");
  }
  auto vars = VarsOf(f);
  if (!vars.ok() && vars.status().code() == compute::Code::kInvalidUsage) {
    return ctx.Usage(cmd, vars.status().message());  // A malformed --var: exit 2.
  }
  if (!vars.ok()) return ctx.Fail(cmd, vars.status());
  // Everything is read and checked before any VM boots.
  std::vector<bake::BakeSpec> given, pool;
  std::set<std::string> seen;
  for (const std::string& path : f.specs) {
    auto spec = bake::LoadSpec(path, *vars, /*strict=*/false);  // --var is checked below.
    if (!spec.ok()) return ctx.Fail(cmd, spec.status());
    if (!seen.insert(spec->path).second) continue;
    given.push_back(*spec);
  }
  pool = given;
  if (!f.specs_dir.empty() && !f.cascade) return ctx.Usage(cmd, "--specs DIR is for --cascade");
  // Where --cascade looks for children: --specs DIR, else beside the given specs.
  std::vector<std::string> dirs;
  if (!f.specs_dir.empty()) {
    dirs.push_back(f.specs_dir);
  } else if (f.cascade) {
    for (const auto& s : given) {
      if (std::find(dirs.begin(), dirs.end(), s.dir) == dirs.end()) dirs.push_back(s.dir);
    }
  }
  for (const std::string& dir : dirs) {
    auto more = bake::LoadSpecDir(dir, *vars);
    if (!more.ok()) {
      return ctx.Fail(cmd, f.specs_dir.empty()
                               ? Status(more.status().code(),
                                        "--cascade looks for the specs built on these beside "
                                        "them, in " +
                                            dir + ": " + more.status().message() +
                                            " (--specs DIR looks elsewhere)")
                               : more.status());
    }
    for (auto& s : *more) {
      if (seen.insert(s.path).second) pool.push_back(std::move(s));
    }
  }
  // Every --var is declared by some spec of the run (e.g. app's version in
  // a cascade from base); a typo is refused with what they declare.
  std::set<std::string> declared;
  for (const auto& s : pool) {
    for (const auto& [name, value] : s.variables) declared.insert(name);
  }
  for (const auto& [name, value] : *vars) {
    if (declared.count(name)) continue;
    return ctx.Fail(
        cmd,
        Status::Invalid(fmt::format(
            "--var {}: no spec of this run declares it under variables: ({})", name,
            declared.empty() ? "they declare none"
                             : "they declare " + fmt::format("{}", fmt::join(declared, ", ")))));
  }
  auto plan = bake::PlanBakes(given, pool, f.cascade);
  if (!plan.ok()) return ctx.Fail(cmd, plan.status());
  if (f.cascade) {
    // Say what the cascade added, or why it added nothing.
    std::vector<std::string> added;
    for (const auto& s : *plan) {
      bool is_given = std::any_of(given.begin(), given.end(),
                                  [&](const bake::BakeSpec& g) { return g.path == s.path; });
      if (!is_given) added.push_back(std::filesystem::path(s.path).filename().string());
    }
    if (added.empty()) {
      std::cerr << "cascade: no spec in " << fmt::format("{}", fmt::join(dirs, ", "))
                << " is built on the families baked here\n";
    } else {
      std::cerr << "cascade: also baking " << fmt::format("{}", fmt::join(added, ", "))
                << " (built on the families baked here)\n";
    }
  }
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  for (const bake::BakeSpec& s : *plan) {
    // Builders run on the local cloud: its machine types.
    Status type = CheckMachineType(*svc, ctx.g.project, ctx.g.zone, s.machine_type);
    if (!type.ok()) {
      std::string where =
          s.path + (s.machine_type_line ? ":" + std::to_string(s.machine_type_line) : "");
      return ctx.Fail(cmd, Status::Invalid(where + ": key 'machine_type': " + type.message()));
    }
    for (const auto& p : s.provisioners) {
      if (p.kind == bake::Provisioner::Kind::kAnsible && !OnPath("ansible-playbook")) {
        return ctx.Fail(cmd, Status::Invalid(s.path + ":" + std::to_string(p.line) +
                                             ": an ansible provisioner needs ansible-playbook "
                                             "(apt-get install ansible-core)"));
      }
    }
  }
  CliReporter reporter;
  bake::Baker baker(*svc, reporter);
  // Sources that no spec of this run makes must exist now.
  std::set<std::string> made;
  for (const auto& s : *plan) made.insert(s.family);
  bake::BakeOptions o;
  o.project = ctx.g.project;
  o.zone = ctx.g.zone;
  o.home = ctx.Home();
  o.imago_program = ThisProgram().empty() ? "imago" : ThisProgram();
  o.force = f.force;
  o.cancel = &g_cancel;
  o.clock = &ctx.Clock();
  o.read_image_file = [svc, project = ctx.g.project](const std::string& image,
                                                     const std::string& path) {
    return ReadImageFile(*svc, project, image, path, 64 << 20);
  };
  std::set<std::string> imported;  // Kit families a bake would fill (dry run, validate).
  for (const auto& s : *plan) {
    if (!s.source_family.empty() && made.count(s.source_family)) continue;
    auto src = baker.ResolveSource(s, o);
    if (!src.ok() && src.status().code() == compute::Code::kNotFound && !s.source_family.empty()) {
      const bool look_only = f.validate || f.dry_run;
      Status filled = FillSourceFamily(ctx, *svc, s, src.status(), look_only);
      if (!filled.ok()) return ctx.Fail(cmd, filled);
      if (look_only) {
        imported.insert(s.source_family);
        continue;
      }
      src = baker.ResolveSource(s, o);
    }
    if (!src.ok()) return ctx.Fail(cmd, src.status());
  }
  if (f.dry_run) return DryRun(ctx, baker, o, *plan, imported);
  if (f.validate) {
    // What a bake would check before it boots anything, and nothing more.
    std::vector<compute::Json> rows;
    for (const auto& s : *plan) {
      compute::Json vars_used = s.variables;
      rows.push_back(
          {{"spec", s.path},
           {"family", s.family},
           {"source", s.source_family.empty() ? s.source_image : "family/" + s.source_family},
           {"provisioners", s.provisioners.size()},
           {"variables", vars_used},
           {"valid", true}});
    }
    PrintList(std::cout, ctx.OutputFormat(Format::kTable), rows,
              SpecTable({{"SOURCE", [](const Json& j) { return Field(j, "source"); }},
                         {"PROVISIONERS", [](const Json& j) { return Field(j, "provisioners"); }},
                         {"VALID", [](const Json&) { return std::string("yes"); }}}));
    return kExitOk;
  }

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::string run_uuid = bake::NewRunId();
  lifecycle::NamingStore naming(ctx.Home() + "/naming.json");
  std::vector<bake::BakeResult> results;
  for (const auto& s : *plan) {
    auto tmpl = naming.Get(s.family);
    o.family_template = tmpl.ok() && tmpl->has_value() ? **tmpl : "";
    reporter.Begin(s.path);
    bake::BakeResult r;
    Status st = baker.Bake(s, o, &r);
    if (!st.ok()) {
      if (!r.last_output.empty()) {
        std::cerr << "Last output of the failed provisioner:\n";
        for (const auto& line : r.last_output) std::cerr << "  | " << line << "\n";
      }
      if (!r.log_path.empty()) std::cerr << "Build log: " << r.log_path << "\n";
      if (ctx.OutputFormat(Format::kTable) == Format::kJson) {
        compute::Json j = ResultJson(r);
        j["error"] = st.message();
        std::cout << j.dump(2) << "\n";
        ctx.g.format = "";  // Fail() must not print a second object.
      }
      ctx.Fail(cmd, st);
      if (g_cancel)
        ctx.exit_code = 130;
      else if (r.provisioner_exit_code != 0)
        ctx.exit_code = kExitProvisioner;
      return ctx.exit_code;
    }
    if (!s.manifest.empty()) {
      auto now = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
      Status m = bake::WriteManifest(s.manifest, r, run_uuid, now);
      if (!m.ok()) return ctx.Fail(cmd, m);
    }
    results.push_back(r);
  }
  Format fmt = ctx.OutputFormat(Format::kTable);
  std::vector<compute::Json> rows;
  for (const auto& r : results) rows.push_back(ResultJson(r));
  if (fmt != Format::kTable && rows.size() == 1) {
    PrintResource(std::cout, fmt, rows[0]);
  } else {
    PrintList(
        std::cout, fmt, rows,
        SpecTable({{"IMAGE", [](const Json& j) { return Field(j, "image"); }},
                   {"CACHED", [](const Json& j) { return j["cached"].get<bool>() ? "yes" : "no"; }},
                   {"SECONDS",
                    [](const Json& j) {
                      return fmt::format("{:.1f}", j["durationSeconds"].get<double>());
                    }},
                   {"DIGEST", [](const Json& j) { return Field(j, "digest").substr(0, 12); }}}));
  }
  return kExitOk;
}

/// `imago __guest --port P exec --command=CMD | put LOCAL REMOTE | get REMOTE LOCAL`,
/// with the token in IMAGO_AGENT_TOKEN. exec exits with the command's code;
/// 255 and "imago __guest: ..." when the agent cannot be reached.
int RunGuest(int port, const std::string& command, const std::vector<std::string>& args) {
  const char* token = getenv("IMAGO_AGENT_TOKEN");
  auto broken = [](const std::string& why) {
    std::cerr << "imago __guest: " << why << "\n";
    return 255;
  };
  if (!token || args.empty()) return broken("usage: __guest --port P exec|put|get ARGS");
  agent::AgentChannel ch(port, token);
  const std::string& mode = args[0];
  if (mode == "exec" && args.size() == 1) {
    std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    auto rc = ch.Exec(command, {}, input, [](bool is_err, const std::string& chunk) {
      (is_err ? std::cerr : std::cout) << chunk << std::flush;
    });
    if (!rc.ok()) return broken(rc.status().message());
    return *rc;
  }
  if ((mode == "put" || mode == "get") && args.size() == 3) {
    Status st = mode == "put" ? ch.PutFile(args[1], args[2]) : ch.GetFile(args[1], args[2]);
    if (st.code() == compute::Code::kUnavailable) return broken(st.message());
    if (!st.ok()) {
      std::cerr << st.message() << "\n";
      return 1;
    }
    return 0;
  }
  return broken("usage: __guest --port P exec --command=CMD | put LOCAL REMOTE | get REMOTE LOCAL");
}

}  // namespace

void AddBakeCommands(CLI::App& root, Context& ctx) {
  auto f = std::make_shared<BakeFlags>();
  CLI::App* c = root.add_subcommand(
      "bake",
      "Build images from specs: a builder VM from the source image, provisioners, an image");
  auto add_spec_flags = [](CLI::App* a, BakeFlags* fl) {
    a->add_option("specs", fl->specs, "Bake spec files (YAML; docs/bake.md)");
    a->add_flag("--cascade", fl->cascade,
                "Then bake every spec whose source family was rebuilt, transitively, in order");
    a->add_option("--specs", fl->specs_dir, "With --cascade: a directory of specs to look in");
    a->add_option("--var", fl->vars,
                  "NAME=VALUE for ${var.NAME} in the specs (repeatable; wins over --var-file)");
    a->add_option("--var-file", fl->var_files,
                  "A YAML file of NAME: VALUE for the specs' variables (repeatable)");
  };
  add_spec_flags(c, f.get());
  c->add_flag("--force", f->force, "Bake even when the family has an image of the same inputs");
  c->add_flag("--dry-run", f->dry_run,
              "Say what would be built, and why (the inputs changed since the family's last "
              "bake); build nothing");
  c->require_subcommand(0, 1);
  c->footer(
      "Examples:\n"
      "  imago bake examples/bake/base.yaml\n"
      "  imago bake examples/bake/base.yaml --cascade --specs examples/bake/\n"
      "  imago bake app.yaml --var version=1.1.0 --format json\n"
      "  imago bake examples/bake/base.yaml --cascade --dry-run\n"
      "  imago bake validate app.yaml --var-file release.yaml\n\n"
      "A bake whose inputs (source image, spec, provisioner files) match an image of the\n"
      "family is skipped. Exit codes as every command, and 11 when a provisioner failed,\n"
      "130 when interrupted (the builder VM and disk are deleted either way).");
  auto v = std::make_shared<BakeFlags>();
  v->validate = true;
  CLI::App* val = c->add_subcommand(
      "validate", "Check specs as a bake would before it boots anything; build nothing");
  add_spec_flags(val, v.get());
  val->footer(
      "Example:\n  imago bake validate examples/bake/*.yaml\n\n"
      "Checks each spec (keys, types, files, variables), the source image or family, the\n"
      "machine type and ansible-playbook; exit 0 when every spec is valid, 3 when not.");
  val->callback([&ctx, v] { RunBake(ctx, *v); });
  c->callback([&ctx, f, c] {
    if (c->got_subcommand("validate")) return;
    RunBake(ctx, *f);
  });

  struct GuestFlags {
    int port = 0;
    std::string command;
    std::vector<std::string> args;
  };
  auto g = std::make_shared<GuestFlags>();
  CLI::App* guest = root.add_subcommand("__guest", "");  // Hidden: for Ansible's plugin.
  guest->group("");
  guest->add_option("--port", g->port)->required();
  guest->add_option("--command", g->command);
  guest->add_option("args", g->args);
  guest->callback([&ctx, g] { ctx.exit_code = RunGuest(g->port, g->command, g->args); });
}

}  // namespace imago::cli
