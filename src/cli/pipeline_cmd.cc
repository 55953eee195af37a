// imago pipeline daily: the day's run of an image factory - check the base
// images against the package archive, bake what is out of date parents
// first, deploy the new heads to the environments marked `daily: true`,
// smoke-test them, rotate, and say what happened (docs/pipeline.md).
//
// Each step is the imago command a person would type (update-check, bake,
// deploy, rollback, rotate, images outdated), run as a child of this one
// with --format json: a step behaves exactly as it does alone (its locks,
// its crash recovery, its progress on stderr), and the summary lists the
// commands, so that any step can be rerun by hand. Nothing is remembered
// between runs: each step is idempotent (a bake of unchanged inputs is a
// cache hit, a deploy of what serves changes nothing), so a rerun after a
// failure or a kill -9 continues from what is done.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bake/cascade.h"
#include "base/file_lock.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "cli/cloud_factory.h"
#include "cli/commands.h"
#include "deploy/environment.h"
#include "groups/health_prober.h"

namespace imago::cli {

using compute::Json;
using compute::Status;

namespace {

struct PipelineFlags {
  std::string specs_dir;
  std::string env_dir;
  std::string policy;
  std::vector<std::string> indexes;
};

/// One row of the summary.
struct Row {
  std::string step;     // check, bake, deploy, smoke, rotate, outdated.
  std::string subject;  // A family, an environment, an image.
  std::string result;   // up-to-date, behind, built, cached, skipped, failed, ...
  std::string detail;   // Why, in words.
  std::string command;  // The imago command that did it.
  bool failed = false;
};

/// What a child imago printed and how it ended.
struct StepOutput {
  int exit_code = 0;
  Json json;        // Its stdout, parsed; null when it printed no JSON.
  std::string err;  // Its stderr (also shown as it came).
};

// `s` as it can be typed: quoted for the shell only when it needs it.
std::string Quote(const std::string& s) {
  bool plain = !s.empty() && s.find_first_of(" \t'\"$\\;&|<>*?()[]{}") == std::string::npos;
  return plain ? s : base::ShellQuote(s);
}

// The message of a step's error JSON: GCE's {"error": {"message"}}, or the
// {"error": "..."} of a failed bake; "" when there is none.
std::string ErrorMessage(const Json& j) {
  if (!j.is_object() || !j.contains("error")) return "";
  const Json& e = j["error"];
  if (e.is_string()) return e.get<std::string>();
  return e.is_object() ? e.value("message", "") : "";
}

class Pipeline {
 public:
  Pipeline(Context& ctx, const PipelineFlags& f) : ctx_(ctx), f_(f), self_(ThisProgram()) {}

  int Run();

 private:
  /// Runs `imago ARGS --format json` with this run's global flags; its
  /// stderr passes through (the step's own progress), its stdout is parsed.
  StepOutput Imago(const std::vector<std::string>& args, std::string* shown);
  void Header(const std::string& what) const;

  Status LoadInputs();
  void Check();
  void Bake();
  void Deploy();
  void Rotate();
  void Outdated();
  int Summary();

  Context& ctx_;
  const PipelineFlags& f_;
  const std::string self_;
  std::vector<bake::BakeSpec> specs_;  // Parents first.
  std::vector<deploy::Environment> envs_;
  std::map<std::string, std::string> check_reason_;  // Root family -> why it is behind.
  std::set<std::string> built_, not_built_;          // Families.
  std::vector<Row> rows_;
};

void Pipeline::Header(const std::string& what) const {
  std::cerr << "==> " << what << "\n";
}

StepOutput Pipeline::Imago(const std::vector<std::string>& args, std::string* shown) {
  std::vector<std::string> argv = {self_};
  argv.insert(argv.end(), args.begin(), args.end());
  *shown = "imago";
  for (const auto& a : args) *shown += " " + Quote(a);
  argv.insert(argv.end(), {"--format", "json", "--project", ctx_.g.project, "--zone", ctx_.g.zone,
                           "--home", ctx_.Home()});
  if (!ctx_.g.now.empty()) argv.insert(argv.end(), {"--now", ctx_.g.now});
  base::SubprocessOptions o;
  std::string out;
  StepOutput r;
  o.on_output = [&out, &r](bool is_stderr, std::string_view chunk) {
    if (is_stderr) {
      std::cerr << chunk << std::flush;
      r.err.append(chunk);
    } else {
      out.append(chunk);
    }
  };
  auto ran = base::RunProcess(argv, o);
  if (!ran.ok()) {
    std::cerr << "ERROR: (imago.pipeline) " << ran.status().message() << "\n";
    r.exit_code = kExitInternal;
    return r;
  }
  r.exit_code = ran->exit_code;
  r.json = Json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (r.json.is_discarded()) r.json = nullptr;
  return r;
}

Status Pipeline::LoadInputs() {
  auto specs = bake::LoadSpecDir(f_.specs_dir);
  if (!specs.ok()) return specs.status();
  if (specs->empty()) {
    return Status::NotFound(f_.specs_dir +
                            " has no bake specs (*.yaml): give --specs the "
                            "directory of your specs");
  }
  auto ordered = bake::PlanBakes(*specs, *specs, /*cascade=*/true);
  if (!ordered.ok()) return ordered.status();
  specs_ = std::move(ordered.value());
  if (f_.env_dir.empty()) return Status::OK();
  std::error_code ec;
  if (!std::filesystem::is_directory(f_.env_dir, ec)) {
    return Status::Invalid("--environments " + f_.env_dir + " is not a directory");
  }
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(f_.env_dir, ec)) {
    auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  // Every file is checked before anything changes, the daily ones kept.
  for (const auto& file : files) {
    auto env = deploy::LoadEnvironment(file);
    if (!env.ok()) return env.status();
    if (env->daily) envs_.push_back(std::move(env.value()));
  }
  return Status::OK();
}

// The families no spec of the directory makes the source of: the bases,
// checked against the archive.
void Pipeline::Check() {
  std::set<std::string> made;
  for (const auto& s : specs_) made.insert(s.family);
  for (const auto& s : specs_) {
    if (!s.source_family.empty() && made.count(s.source_family)) continue;
    Row row{"check", s.family, "", "", ""};
    if (!ctx_.Service("pipeline.daily")->images().GetFromFamily(ctx_.g.project, s.family).ok()) {
      row.result = "not-checked";
      row.detail = "the family has no image yet: its first bake makes one";
      rows_.push_back(row);
      continue;
    }
    std::vector<std::string> args = {"update-check", s.family};
    for (const auto& i : f_.indexes) args.insert(args.end(), {"--index", i});
    Header("check " + s.family);
    StepOutput r = Imago(args, &row.command);
    const Json* family = r.json.is_array() && !r.json.empty() ? &r.json[0] : nullptr;
    if (r.exit_code == kExitOk) {
      row.result = "up-to-date";
      row.detail =
          family ? fmt::format("{}: {} packages, none behind the archive",
                               family->value("image", ""), family->value("installedPackages", 0))
                 : "no package behind the archive";
    } else if (r.exit_code == kExitUpdates && family) {
      const Json& updates = (*family)["updates"];
      std::string names;
      for (size_t i = 0; i < updates.size() && i < 3; ++i) {
        names += fmt::format("{}{} {} -> {}", i ? ", " : "", updates[i].value("package", ""),
                             updates[i].value("installed", ""), updates[i].value("available", ""));
      }
      if (updates.size() > 3) names += fmt::format(", and {} more", updates.size() - 3);
      row.result = "behind";
      row.detail = fmt::format("{} package update(s), {} security: {}", updates.size(),
                               family->value("securityUpdates", 0), names);
      check_reason_[s.family] = row.detail;
    } else if (r.exit_code == kExitNotFound &&
               ErrorMessage(r.json).find("/var/lib/dpkg/status") != std::string::npos) {
      // Not a Debian image: nothing to compare; its bake decides.
      row.result = "not-checked";
      row.detail = ErrorMessage(r.json);
    } else {
      row.result = "failed";
      row.failed = true;
      row.detail = ErrorMessage(r.json);
      if (row.detail.empty()) row.detail = fmt::format("exit code {}", r.exit_code);
      not_built_.insert(s.family);  // Not knowing the archive, nothing is baked from it.
    }
    rows_.push_back(row);
  }
}

// Every spec, parents first; the cache decides what is built. A spec
// whose parent failed (or was not baked) is not baked: its image would be
// built on the old parent.
void Pipeline::Bake() {
  for (const auto& s : specs_) {
    const std::string name = std::filesystem::path(s.path).filename().string();
    Row row{"bake", s.family, "", "", "imago bake " + Quote(s.path)};
    if (not_built_.count(s.family)) {
      row.result = "skipped";
      row.detail = "its update-check failed";
      rows_.push_back(row);
      continue;
    }
    if (!s.source_family.empty() && not_built_.count(s.source_family)) {
      row.result = "skipped";
      row.detail = "its parent family " + s.source_family + " was not baked";
      not_built_.insert(s.family);
      rows_.push_back(row);
      continue;
    }
    Header("bake " + name);
    const bool first =
        !ctx_.Service("pipeline.daily")->images().GetFromFamily(ctx_.g.project, s.family).ok();
    StepOutput r = Imago({"bake", s.path}, &row.command);
    const Json& j = r.json;
    if (r.exit_code == kExitOk && j.is_object()) {
      if (j.value("cached", false)) {
        row.result = "cached";
        row.detail = j.value("image", "") + " has the same inputs";
        auto why = check_reason_.find(s.family);
        if (why != check_reason_.end()) {
          // Behind the archive, and yet nothing to bake: the spec does not upgrade.
          row.detail += "; still behind the archive (" + why->second + "): give " + name +
                        " an apt provisioner with upgrade: true";
        }
      } else {
        built_.insert(s.family);
        row.result = "built";
        std::string why;
        if (!s.source_family.empty() && built_.count(s.source_family)) {
          why = "its parent " + s.source_family + " was rebuilt";
        } else if (first) {
          why = "the family's first image";
        } else if (check_reason_.count(s.family)) {
          why = check_reason_[s.family];
        } else {
          why = "its spec, its files or its source image changed";
        }
        row.detail = fmt::format("{} in {:.0f} s: {}", j.value("image", ""),
                                 j.value("durationSeconds", 0.0), why);
      }
    } else {
      row.result = "failed";
      row.failed = true;
      row.detail = ErrorMessage(j);
      if (row.detail.empty()) row.detail = fmt::format("exit code {}", r.exit_code);
      if (j.is_object() && j.contains("log")) row.detail += " (log: " + j.value("log", "") + ")";
      not_built_.insert(s.family);
    }
    rows_.push_back(row);
  }
}

// The environments marked daily: deployed (a no-op when they serve the
// head already), then smoke-tested; a failing smoke test rolls back.
void Pipeline::Deploy() {
  for (const auto& env : envs_) {
    Row row{"deploy", env.name, "", "", ""};
    const std::string fam = env.image_family;
    if (!fam.empty() && not_built_.count(fam)) {
      row.result = "skipped";
      row.detail = "its image family " + fam + " was not baked in this run";
      rows_.push_back(row);
      continue;
    }
    Header("deploy " + env.name);
    StepOutput r = Imago({"deploy", env.file, "--yes"}, &row.command);
    const Json& j = r.json;
    const std::string outcome = j.is_object() ? j.value("outcome", "") : "";
    if (r.exit_code == kExitOk && (outcome == "live" || outcome == "unchanged")) {
      row.result = outcome == "live" ? "deployed" : "unchanged";
      row.detail = j.value("message", "");
    } else {
      row.result = outcome.empty() ? "failed" : outcome;
      row.failed = true;
      row.detail = j.is_object() ? j.value("message", "") : "";
      if (row.detail.empty()) row.detail = ErrorMessage(j);
      if (row.detail.empty()) row.detail = fmt::format("exit code {}", r.exit_code);
      rows_.push_back(row);
      continue;
    }
    rows_.push_back(row);
    if (env.smoke.empty()) continue;

    Header("smoke " + env.name);
    // The load balancer's address; a kind: instance environment's VM's own.
    std::string url = fmt::format("http://127.0.0.1:{}/", env.lb_port);
    if (env.kind == deploy::Kind::kInstance) {
      auto vm = ctx_.Service("pipeline.daily")
                    ->instances()
                    .Get(env.project.empty() ? ctx_.g.project : env.project,
                         env.zone.empty() ? ctx_.g.zone : env.zone, env.Prefix());
      const std::string at = vm.ok() ? groups::HostAddress(*vm, env.port) : "";
      url = at.empty() ? "" : "http://" + at + "/";
    }
    Row smoke{"smoke", env.name, "", "", "IMAGO_URL=" + url + " " + Quote(env.smoke)};
    if (url.empty()) {
      smoke.result = "failed";
      smoke.failed = true;
      smoke.detail = fmt::format(
          "not run: the VM {} has no address this host reaches (port {} neither forwarded nor "
          "on a network IP)",
          env.Prefix(), env.port);
      rows_.push_back(smoke);
      continue;
    }
    struct stat st {};
    std::error_code ec;
    const std::string program = std::filesystem::absolute(env.smoke, ec).string();
    std::vector<std::string> argv = {program};
    if (stat(program.c_str(), &st) != 0 || !(st.st_mode & S_IXUSR)) {
      argv.insert(argv.begin(), "/bin/sh");  // Not executable: a shell script.
    }
    base::SubprocessOptions o;
    o.env = {"IMAGO_URL=" + url, "IMAGO_ENVIRONMENT=" + env.name,
             "IMAGO_IMAGE_FAMILY=" + env.image_family};
    o.cwd = std::filesystem::path(env.file).parent_path().string();
    o.on_output = [](bool, std::string_view chunk) { std::cerr << chunk << std::flush; };
    // A smoke test that hangs must not hang a cron job: it gets the
    // environment's timeout, then is ended (SIGTERM, then SIGKILL).
    std::atomic<bool> expired{false};
    o.cancel = &expired;
    std::mutex mu;
    std::condition_variable cv;
    bool ended = false;
    std::thread timer([&] {
      std::unique_lock lock(mu);
      if (!cv.wait_for(lock, std::chrono::seconds(env.timeout_sec), [&] { return ended; })) {
        expired = true;
      }
    });
    auto ran = base::RunProcess(argv, o);
    {
      std::lock_guard lock(mu);
      ended = true;
    }
    cv.notify_one();
    timer.join();
    if (ran.ok() && ran->exit_code == 0 && !ran->cancelled) {
      smoke.result = "passed";
      smoke.detail = url;
      rows_.push_back(smoke);
      continue;
    }
    smoke.result = "failed";
    smoke.failed = true;
    smoke.detail = !ran.ok()        ? ran.status().message()
                   : ran->cancelled ? fmt::format(
                                          "no result within the environment's timeout "
                                          "({} s): ended",
                                          env.timeout_sec)
                                    : fmt::format("exit code {}", ran->exit_code);
    if (row.result == "deployed") {
      // The release this run made fails its smoke test: the previous one comes back.
      Header("rollback " + env.name);
      std::string shown;
      StepOutput back = Imago({"rollback", env.file, "--yes"}, &shown);
      if (back.exit_code == kExitOk) {
        smoke.detail += "; rolled back (" + shown + ")";
      } else if (back.exit_code == kExitInvalid &&
                 back.err.find("Nothing to roll back to") != std::string::npos) {
        smoke.detail += "; not rolled back: this is the environment's first release that served";
      } else {
        smoke.detail +=
            fmt::format("; the rollback failed too (exit {}): {}", back.exit_code, shown);
      }
    }
    rows_.push_back(smoke);
  }
}

void Pipeline::Rotate() {
  std::vector<std::string> args = {"rotate", "--all"};
  if (!f_.policy.empty()) args.insert(args.end(), {"--policy", f_.policy});
  Header("rotate");
  Row row{"rotate", "all families", "", "", ""};
  StepOutput r = Imago(args, &row.command);
  const Json& j = r.json;
  if (r.exit_code == kExitOk && j.is_object()) {
    const Json& changes = j["changes"];
    row.result = changes.empty() ? "unchanged" : "rotated";
    std::string list;
    for (const auto& c : changes) {
      list += fmt::format("{}{} {} -> {}", list.empty() ? "" : ", ", c.value("image", ""),
                          c.value("from", ""), c.value("to", ""));
    }
    row.detail = changes.empty() ? fmt::format("{} images of {} families: nothing is due",
                                               j.value("images", 0), j.value("families", 0))
                                 : list;
  } else {
    row.result = "failed";
    row.failed = true;
    row.detail = ErrorMessage(j);
    if (row.detail.empty()) row.detail = fmt::format("exit code {}", r.exit_code);
  }
  rows_.push_back(row);
}

void Pipeline::Outdated() {
  std::string shown;
  StepOutput r = Imago({"images", "outdated"}, &shown);
  if (r.exit_code != kExitOk || !r.json.is_array()) {
    rows_.push_back(
        {"outdated", "-", "failed", fmt::format("exit code {}", r.exit_code), shown, true});
    return;
  }
  // The images a rebuild is for; not the VMs on them (a release kept warm
  // for a rollback runs the previous image by design).
  bool any = false;
  for (const auto& o : r.json) {
    if (o.value("kind", "image") != "image") continue;
    rows_.push_back({"outdated", o.value("name", ""), "outdated", o.value("why", ""), shown});
    any = true;
  }
  if (!any) {
    rows_.push_back(
        {"outdated", "-", "none", "every image is built on its families' heads", shown});
  }
}

int Pipeline::Summary() {
  int failed = 0;
  for (const auto& r : rows_) failed += r.failed;
  const Format format = ctx_.OutputFormat(Format::kTable);
  std::vector<Json> rows;
  for (const auto& r : rows_) {
    rows.push_back({{"step", r.step},
                    {"subject", r.subject},
                    {"result", r.result},
                    {"detail", r.detail},
                    {"command", r.command},
                    {"failed", r.failed}});
  }
  const int code = failed ? kExitPartial : kExitOk;
  if (format == Format::kTable) {
    std::cerr << "\n";
    PrintTable(std::cout, rows,
               {{"STEP", [](const Json& j) { return Field(j, "step"); }},
                {"SUBJECT", [](const Json& j) { return Field(j, "subject"); }},
                {"RESULT", [](const Json& j) { return Field(j, "result"); }},
                {"DETAIL", [](const Json& j) { return Field(j, "detail"); }}});
    std::cerr << (failed ? fmt::format("{} step(s) failed; the others took effect. Run again to "
                                       "retry: what is done is not done again.\n",
                                       failed)
                         : "Done: nothing failed.\n");
  } else {
    auto count = [&](const std::string& step, const std::string& result) {
      return std::count_if(rows_.begin(), rows_.end(),
                           [&](const Row& r) { return r.step == step && r.result == result; });
    };
    PrintResource(std::cout, format,
                  Json{{"steps", rows},
                       {"rebuilt", count("bake", "built")},
                       {"deployed", count("deploy", "deployed")},
                       {"failed", failed},
                       {"exitCode", code}});
  }
  return code;
}

int Pipeline::Run() {
  const char* cmd = "pipeline.daily";
  if (ctx_.g.cloud != "local") {
    return ctx_.Usage(cmd, "pipeline daily bakes on the local cloud: drop --cloud gce");
  }
  // Everything is read and checked before anything runs.
  if (Status st = LoadInputs(); !st.ok()) return ctx_.Fail(cmd, st);
  // The project and zone, resolved as every command resolves them, are
  // handed to each step.
  if (!ctx_.Service(cmd)) return ctx_.exit_code;
  if (!f_.policy.empty() && access(f_.policy.c_str(), R_OK) != 0) {
    return ctx_.Fail(cmd, Status::NotFound("--policy " + f_.policy + " cannot be read"));
  }
  std::error_code ec;
  std::filesystem::create_directories(ctx_.Home(), ec);
  const std::string lock_path = ctx_.Home() + "/pipeline.lock";
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);  // The first run makes it.
  if (fd >= 0) close(fd);
  bool busy = false;
  auto lock = base::FileLock::TryAcquire(lock_path, &busy);
  if (!lock.ok()) {
    return ctx_.Fail(cmd, busy ? Status::Unavailable(fmt::format(
                                     "another pipeline run holds {}; nothing was done (run it "
                                     "again when that one has ended)",
                                     lock_path))
                               : lock.status());
  }
  Check();
  Bake();
  Deploy();
  Rotate();
  Outdated();
  ctx_.exit_code = Summary();
  return ctx_.exit_code;
}

}  // namespace

void AddPipelineCommands(CLI::App& root, Context& ctx) {
  CLI::App* p = root.add_subcommand("pipeline", "The image factory's recurring runs");
  p->require_subcommand(1);
  auto f = std::make_shared<PipelineFlags>();
  CLI::App* d = p->add_subcommand(
      "daily",
      "Check the bases against the archive, bake what is out of date, deploy to the daily "
      "environments, smoke-test, rotate, summarise");
  d->add_option("--specs", f->specs_dir, "The directory of bake specs (base, app, product...)")
      ->required();
  d->add_option("--environments", f->env_dir,
                "The directory of environment files; those with daily: true are deployed");
  d->add_option("--policy", f->policy, "The rotation policy (docs/rotation.md)");
  d->add_option("--index", f->indexes,
                "A Debian Packages index for update-check (file or URL); repeatable. Default: "
                "apt's lists on this machine")
      ->type_name("URL|FILE");
  d->footer(
      "Each step is an imago command (update-check, bake, deploy, rollback, rotate, images "
      "outdated), listed in the summary; one run at a time per home; a rerun continues from "
      "what is done.\n\nExit codes: 0 nothing failed (whether or not anything changed), 10 "
      "some step failed (the summary says which; the others took effect), 8 another run "
      "holds the lock, 3/4 a spec, environment or policy that cannot be used (nothing "
      "ran).\n\nExamples:\n  imago pipeline daily --specs images/ --environments "
      "environments/ --policy rotation.yaml\n  # cron, 04:00 each day:\n  0 4 * * * imago "
      "pipeline daily --specs /srv/images --environments /srv/environments --format json "
      ">>/var/log/imago-daily.jsonl");
  d->callback([&ctx, f] { ctx.exit_code = Pipeline(ctx, *f).Run(); });
}

}  // namespace imago::cli
