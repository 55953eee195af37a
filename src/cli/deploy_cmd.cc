// imago deploy, rollback, promote and releases: environments as files,
// plans before changes, health-gated releases (docs/deploy.md).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "base/file_lock.h"
#include "cli/commands.h"
#include "cli/controller_run.h"
#include "cli/instance_flags.h"
#include "cli/output.h"
#include "deploy/clone_data.h"
#include "deploy/deployer.h"
#include "deploy/environment.h"
#include "deploy/replace.h"
#include "deploy/teardown.h"
#include "secrets/bundle_store.h"

namespace imago::cli {

namespace {

using compute::Json;
using compute::Status;
using deploy::Outcome;

std::atomic<bool> g_cancel{false};
void OnSignal(int) {
  g_cancel = true;
}

struct Flags {
  std::string env, from, dir = "environments";
  std::string service;           // env destroy: when the file is gone.
  std::string snapshot = "now";  // env clone-data: now or newest.
  std::string to_env;            // env clone-data --to: the ENV argument, named.
  int to = 0;
  bool plan_only = false, yes = false, expired = false;
};

// The environment's file, read, with the command's project and zone where it names none.
compute::Result<deploy::Environment> Load(Context& ctx, const Flags& f, const std::string& name) {
  auto path = deploy::FindEnvironmentFile(f.dir, name);
  if (!path.ok()) return path.status();
  auto env = deploy::LoadEnvironment(*path);
  if (!env.ok()) return env.status();
  if (env->project.empty()) env->project = ctx.g.project;
  if (env->zone.empty()) env->zone = ctx.g.zone;
  return env;
}

// A deployer of `svc` that keeps releases' secrets where the local cloud's
// metadata server finds them (on GCE it has none: secrets are refused).
struct DeployerFor {
  DeployerFor(Context& ctx, compute::Service& svc) : d(svc, ctx.Clock(), "") {
    if (ctx.g.cloud == "local") {
      bundles = std::make_unique<secrets::BundleStore>(ctx.Home());
      d.set_secrets(bundles.get(), {});
    }
  }
  std::unique_ptr<secrets::BundleStore> bundles;
  deploy::Deployer d;
};

// One environment's deploys, one at a time on this machine: a second waits
// (*waited says so: its plan is then made again).
compute::Result<base::FileLock> LockEnvironment(Context& ctx, const std::string& project,
                                                const std::string& prefix, const std::string& name,
                                                bool* waited) {
  std::string path = EnvironmentLockPath(ctx, project, prefix);
  bool held = false;
  auto lock = base::FileLock::TryAcquire(path, &held);
  *waited = false;
  if (lock.ok()) return lock;
  if (held) {
    std::cerr << "Another deploy, clone or destroy of " << name
              << " is running; waiting for it (Ctrl-C it there to go on with this one now)...\n";
    *waited = true;
  }
  return base::FileLock::Acquire(path);
}
compute::Result<base::FileLock> LockEnvironment(Context& ctx, const deploy::Environment& env,
                                                bool* waited) {
  return LockEnvironment(ctx, env.project, env.Prefix(), env.name, waited);
}

// Asks before a change unless --yes: true to go on; false with *rc set
// (stdin not a terminal: a usage error; "no": 0, nothing changed).
bool Confirmed(Context& ctx, const char* cmd, bool yes, const std::string& give_yes_to,
               const std::string& question, int* rc) {
  if (yes) return true;
  if (!isatty(STDIN_FILENO)) {
    *rc = ctx.Usage(cmd, "stdin is not a terminal: give --yes to " + give_yes_to +
                             ", or --plan to only show it");
    return false;
  }
  if (!ctx.Confirm(question)) {
    std::cerr << "Nothing changed.\n";
    *rc = kExitOk;
    return false;
  }
  return true;
}

int ExitFor(Outcome o) {
  switch (o) {
    case Outcome::kUnchanged:
    case Outcome::kLive:
      return kExitOk;
    case Outcome::kRolledBack:
      return kExitRolledBack;
    case Outcome::kLeftFailed:
      return kExitReleaseFailed;
    case Outcome::kCancelled:
      return kExitCancelled;
  }
  return kExitInternal;
}

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kUnchanged:
      return "unchanged";
    case Outcome::kLive:
      return "live";
    case Outcome::kRolledBack:
      return "rolled-back";
    case Outcome::kLeftFailed:
      return "failed";
    case Outcome::kCancelled:
      return "cancelled";
  }
  return "?";
}

// Ctrl-C and SIGTERM set g_cancel: the apply stops at its next step.
void CatchInterrupts() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// Steps as lines on stderr; the waiting line rewritten in place on a
// terminal, and in a log a line only when its part before '[' changes.
deploy::Listener StderrListener(bool tty) {
  deploy::Listener l;
  l.step = [tty](const std::string& s) {
    if (tty) std::cerr << "\r\033[K";
    std::cerr << "  " << s << "\n";
  };
  auto last = std::make_shared<std::string>();
  l.waiting = [tty, last](const std::string& s) {
    if (tty) {
      std::cerr << "\r\033[K  " << s << std::flush;
    } else if (s.substr(0, s.find('[')) != *last) {
      std::cerr << "  " << s << "\n";  // A log gets a line when the counts change.
      *last = s.substr(0, s.find('['));
    }
  };
  return l;
}

// Shows the plan `make_plan` makes, asks, applies, waits; the exit code
// says how it ended.
int PlanAndApply(Context& ctx, const char* cmd, compute::Service& svc, deploy::Deployer& deployer,
                 const deploy::Environment& env,
                 const std::function<compute::Result<deploy::Plan>()>& make_plan, const Flags& f) {
  const compute::Result<deploy::Plan> plan = make_plan();
  if (!plan.ok()) return ctx.Fail(cmd, plan.status());
  const Format format = ctx.OutputFormat(Format::kTable);
  if (format == Format::kTable) {
    std::cout << deploy::FormatPlan(*plan) << std::flush;
  }
  if (f.plan_only) {
    if (format != Format::kTable) PrintResource(std::cout, format, deploy::PlanToJson(*plan));
    return kExitOk;
  }
  int rc = kExitOk;
  if (plan->changes() &&
      !Confirmed(ctx, cmd, f.yes, "apply the plan above", "Apply this plan?", &rc)) {
    return rc;
  }
  bool waited = false;
  auto lock = LockEnvironment(ctx, env, &waited);
  if (!lock.ok()) return ctx.Fail(cmd, lock.status());
  // Another deploy ran meanwhile: what was planned may be done already.
  compute::Result<deploy::Plan> fresh = waited ? make_plan() : plan;
  if (!fresh.ok()) return ctx.Fail(cmd, fresh.status());
  if (waited) std::cout << "The plan now:\n" << deploy::FormatPlan(*fresh) << std::flush;
  CatchInterrupts();
  (void)EnsureController(ctx, svc);  // The local cloud's groups need it running.
  const bool tty = isatty(STDERR_FILENO);
  deploy::Listener l = StderrListener(tty);
  auto r = deployer.Apply(env, *fresh, l, &g_cancel);
  if (tty) std::cerr << "\r\033[K";
  if (!r.ok()) {
    ctx.Fail(cmd, Status(r.status().code(), r.status().message() +
                                                " (the release is recorded; run the command "
                                                "again to continue)"));
    return g_cancel ? kExitCancelled : ctx.exit_code;
  }
  if (format != Format::kTable) {
    Json j = deploy::PlanToJson(*fresh);
    j["outcome"] = OutcomeName(r->outcome);
    j["message"] = r->message;
    j["seconds"] = r->seconds;
    if (r->downtime_sec >= 0) j["downtimeSeconds"] = r->downtime_sec;
    PrintResource(std::cout, format, j);
  }
  std::cerr << (r->outcome == Outcome::kLive || r->outcome == Outcome::kUnchanged ? "" : "ERROR: ")
            << r->message << "\n";
  return ExitFor(r->outcome);
}

int RunDeploy(Context& ctx, const Flags& f) {
  const char* cmd = "deploy";
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  auto env = Load(ctx, f, f.env);
  if (!env.ok()) return ctx.Fail(cmd, env.status());
  DeployerFor holder(ctx, *svc);
  deploy::Deployer& d = holder.d;
  return PlanAndApply(
      ctx, cmd, *svc, d, *env, [&] { return d.PlanDeploy(*env); }, f);
}

int RunRollback(Context& ctx, const Flags& f) {
  const char* cmd = "rollback";
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  auto env = Load(ctx, f, f.env);
  if (!env.ok()) return ctx.Fail(cmd, env.status());
  DeployerFor holder(ctx, *svc);
  deploy::Deployer& d = holder.d;
  return PlanAndApply(
      ctx, cmd, *svc, d, *env, [&] { return d.PlanRollback(*env, f.to); }, f);
}

int RunPromote(Context& ctx, const Flags& f) {
  const char* cmd = "promote";
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  auto from = Load(ctx, f, f.from);
  if (!from.ok()) return ctx.Fail(cmd, from.status());
  auto to = Load(ctx, f, f.env);
  if (!to.ok()) return ctx.Fail(cmd, to.status());
  if (from->service != to->service) {
    return ctx.Fail(cmd, Status::Invalid(fmt::format(
                             "{} runs service '{}' and {} runs '{}': promotion moves one "
                             "service's image between its environments.",
                             from->file, from->service, to->file, to->service)));
  }
  DeployerFor holder(ctx, *svc);
  deploy::Deployer& d = holder.d;
  return PlanAndApply(
      ctx, cmd, *svc, d, *to, [&] { return d.PlanPromotion(*from, *to); }, f);
}

int RunReleases(Context& ctx, const Flags& f) {
  const char* cmd = "releases";
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  auto env = Load(ctx, f, f.env);
  if (!env.ok()) return ctx.Fail(cmd, env.status());
  DeployerFor holder(ctx, *svc);
  deploy::Deployer& d = holder.d;
  auto rs = d.Releases(*env);
  if (!rs.ok()) return ctx.Fail(cmd, rs.status());
  std::vector<Json> rows;
  for (auto it = rs->rbegin(); it != rs->rend(); ++it) {
    Json j = lifecycle::ToJson(*it);
    j["duration"] = it->seconds > 0 ? fmt::format("{:.0f}s", it->seconds) : "";
    rows.push_back(std::move(j));
  }
  auto col = [](const char* key) { return [key](const Json& j) { return Field(j, key); }; };
  PrintList(std::cout, ctx.OutputFormat(Format::kTable), rows,
            {{"RELEASE", col("number")},
             {"STATE", col("state")},
             {"KIND", col("kind")},
             {"STARTED", col("started")},
             {"WHO", col("who")},
             {"IMAGE", col("image")},
             // A kind: instance release has no template: its VM instead.
             {"TEMPLATE",
              [](const Json& j) {
                return j.contains("instance") ? Field(j, "instance") + " (VM)"
                                              : Field(j, "instanceTemplate");
              }},
             {"STRATEGY", col("strategy")},
             {"DURATION", col("duration")},
             {"RESULT", col("result")}});
  return kExitOk;
}

int RunEnvList(Context& ctx, const Flags&) {
  const char* cmd = "env list";
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  auto envs = deploy::ListEnvironments(*svc, ctx.Clock(), ctx.g.project);
  if (!envs.ok()) return ctx.Fail(cmd, envs.status());
  std::vector<Json> rows;
  for (const auto& e : *envs) {
    rows.push_back({{"service", e.service},
                    {"environment", e.env},
                    {"zone", e.zone},
                    {"liveRelease", e.live},
                    {"image", e.image},
                    {"state", e.state},
                    {"healthy", e.healthy},
                    {"wanted", e.wanted},
                    {"expiresAt", e.expires_at},
                    {"expired", e.expired},
                    {"lastDeploy", e.last_deploy}});
  }
  auto col = [](const char* key) { return [key](const Json& j) { return Field(j, key); }; };
  PrintList(std::cout, ctx.OutputFormat(Format::kTable), rows,
            {{"SERVICE", col("service")},
             {"ENVIRONMENT", col("environment")},
             {"RELEASE",
              [](const Json& j) {
                return j["liveRelease"].get<int>() ? Field(j, "liveRelease") : std::string("-");
              }},
             {"IMAGE", col("image")},
             {"STATE", col("state")},
             {"HEALTH",
              [](const Json& j) {
                return fmt::format("{}/{}", j["healthy"].get<int>(), j["wanted"].get<int>());
              }},
             {"EXPIRES",
              [](const Json& j) {
                std::string at = j["expiresAt"];
                if (at.empty()) return std::string("never");
                return j["expired"].get<bool>() ? at + " (expired)" : at;
              }},
             {"ZONE", col("zone")}});
  return kExitOk;
}

// Destroys one environment: its plan, a yes, then each deletion.
int DestroyOne(Context& ctx, compute::Service& svc, secrets::BundleStore* bundles,
               const std::string& service, const std::string& env, const Flags& f) {
  const char* cmd = "env destroy";
  auto plan = deploy::PlanTeardown(svc, bundles, ctx.g.project, service, env);
  if (!plan.ok()) return ctx.Fail(cmd, plan.status());
  const Format format = ctx.OutputFormat(Format::kTable);
  if (format == Format::kTable) {
    std::cout << fmt::format("destroy {}: {} resource(s) of {}-{}, nothing else\n", env,
                             plan->resources.size(), service, env);
    for (const auto& r : plan->resources) std::cout << "  - " << r << "\n";
    std::cout << std::flush;
  }
  Json j = {{"environment", env},
            {"service", service},
            {"project", ctx.g.project},
            {"resources", plan->resources}};
  if (f.plan_only) {
    if (format != Format::kTable) PrintResource(std::cout, format, j);
    return kExitOk;
  }
  int rc = kExitOk;
  if (!Confirmed(ctx, cmd, f.yes, "destroy " + env, "Destroy " + env + "?", &rc)) return rc;
  bool waited = false;
  auto lock = LockEnvironment(ctx, ctx.g.project, service + "-" + env, env, &waited);
  if (!lock.ok()) return ctx.Fail(cmd, lock.status());
  if (waited) {  // A deploy ran meanwhile: what it made goes too.
    plan = deploy::PlanTeardown(svc, bundles, ctx.g.project, service, env);
    if (!plan.ok()) return ctx.Fail(cmd, plan.status());
  }
  std::vector<std::string> deleted;
  Status st =
      deploy::DestroyEnvironment(svc, bundles, ctx.g.project, *plan, [&](const std::string& line) {
        std::cerr << "  " << line << "\n";
        deleted.push_back(line);
      });
  if (!st.ok()) return ctx.Fail(cmd, st);
  if (format != Format::kTable) {
    j["deleted"] = deleted;
    PrintResource(std::cout, format, j);
  }
  std::cerr << fmt::format("Destroyed {}: {} resource(s) deleted.\n", env, deleted.size());
  return kExitOk;
}

int RunEnvDestroy(Context& ctx, const Flags& f) {
  const char* cmd = "env destroy";
  if (f.expired == !f.env.empty()) {
    return ctx.Usage(cmd, "give ENV, or --expired for every environment whose ttl has ended");
  }
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  std::unique_ptr<secrets::BundleStore> bundles;
  if (ctx.g.cloud == "local") bundles = std::make_unique<secrets::BundleStore>(ctx.Home());
  if (f.expired) {
    auto envs = deploy::ListEnvironments(*svc, ctx.Clock(), ctx.g.project);
    if (!envs.ok()) return ctx.Fail(cmd, envs.status());
    int n = 0;
    for (const auto& e : *envs) {
      if (!e.expired) continue;
      ++n;
      int rc = DestroyOne(ctx, *svc, bundles.get(), e.service, e.env, f);
      if (rc != kExitOk) return rc;
    }
    if (n == 0) std::cerr << "No environment has expired.\n";
    return kExitOk;
  }
  std::string service = f.service, env = f.env;
  if (service.empty()) {
    auto loaded = Load(ctx, f, f.env);
    if (!loaded.ok()) {
      return ctx.Fail(cmd, Status(loaded.status().code(),
                                  loaded.status().message() +
                                      " To destroy an environment whose file is gone, give "
                                      "--service SERVICE."));
    }
    service = loaded->service;
    env = loaded->name;
    ctx.g.project = loaded->project;
  }
  return DestroyOne(ctx, *svc, bundles.get(), service, env, f);
}

int RunCloneData(Context& ctx, const Flags& f) {
  const char* cmd = "env clone-data";
  if (f.snapshot != "now" && f.snapshot != "newest") {
    return ctx.Usage(cmd, "--snapshot is now (take them) or newest (the newest that exist)");
  }
  if (ctx.g.cloud != "local") {
    return ctx.Fail(
        cmd, Status::Invalid("clone-data runs on the local cloud only: on GCE a stateful group "
                             "takes given disks through per-instance configs, not built yet "
                             "(docs/data.md)."));
  }
  if (f.env.empty() && f.to_env.empty()) {
    return ctx.Usage(cmd,
                     "name the environment that gets the data: imago env clone-data dev "
                     "--from prod (or --to dev)");
  }
  if (!f.env.empty() && !f.to_env.empty() && f.env != f.to_env) {
    return ctx.Usage(
        cmd, fmt::format("ENV {} and --to {} differ: name the target once", f.env, f.to_env));
  }
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  auto env = Load(ctx, f, f.env.empty() ? f.to_env : f.env);
  if (!env.ok()) return ctx.Fail(cmd, env.status());
  bool waited = false;
  // The environment's lock: a second clone, or a deploy, waits for this one.
  auto lock = LockEnvironment(ctx, *env, &waited);
  if (!lock.ok()) return ctx.Fail(cmd, lock.status());
  auto plan = deploy::PlanClone(*svc, ctx.Clock(), *env, f.from, f.snapshot == "newest");
  if (!plan.ok()) return ctx.Fail(cmd, plan.status());
  const Format format = ctx.OutputFormat(Format::kTable);
  if (format == Format::kTable) std::cout << deploy::FormatClonePlan(*plan) << std::flush;
  Json j = deploy::ClonePlanToJson(*plan);
  if (f.plan_only) {
    if (format != Format::kTable) PrintResource(std::cout, format, j);
    return kExitOk;
  }
  int rc = kExitOk;
  if (!Confirmed(ctx, cmd, f.yes, "clone", "Clone?", &rc)) return rc;
  g_cancel = false;
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  auto channel = deploy::NewLoopbackBackupChannel();
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> did;
  Status st = deploy::ApplyClone(
      *svc, ctx.Clock(), *plan, channel.get(),
      [&](const std::string& line) {
        std::cerr << "  " << line << "\n";
        did.push_back(line);
      },
      &g_cancel);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (!st.ok()) {
    int rc = ctx.Fail(cmd, st);
    return g_cancel ? kExitCancelled : rc;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (format != Format::kTable) {
    j["steps"] = did;
    j["seconds"] = secs;
    PrintResource(std::cout, format, j);
  }
  std::cerr << fmt::format("Cloned {} into {} in {:.1f} s; next: imago deploy {}\n", plan->from,
                           env->name, secs, env->name);
  return kExitOk;
}

struct ReplaceFlags {
  std::string name, image, image_family, metadata, metadata_from_file, health_path, timeout = "10m";
  int health_port = 80;
  bool plan_only = false, yes = false;
};

// imago instances replace: the plain pattern for a VM outside any group
// (deploy/replace.h): plan, ask, apply, wait until it serves.
int RunReplace(Context& ctx, const ReplaceFlags& f) {
  const char* cmd = "instances.replace";
  if (f.image.empty() == f.image_family.empty()) {
    return ctx.Usage(cmd, "give exactly one of --image and --image-family");
  }
  auto timeout = compute::ParseDuration(f.timeout);
  if (!timeout || *timeout <= 0) {
    return ctx.Fail(cmd, Status::InvalidField("--timeout", f.timeout,
                                              "Give a duration such as 90s, 10m or 1h."));
  }
  if (f.health_port < 1 || f.health_port > 65535) {
    return ctx.Fail(cmd, Status::InvalidField("--health-port", std::to_string(f.health_port),
                                              "Give a port of 1-65535."));
  }
  if (!f.health_path.empty() && f.health_path[0] != '/') {
    return ctx.Fail(cmd, Status::InvalidField("--health-path", f.health_path,
                                              "Give an absolute path such as /health."));
  }
  compute::Service* svc = ctx.Service(cmd);  // Fills in the project and zone.
  if (!svc) return ctx.exit_code;
  deploy::ReplaceRequest req;
  req.project = ctx.g.project;
  req.zone = ctx.g.zone;
  req.instance = f.name;
  req.image = f.image;
  req.image_family = f.image_family;
  req.health_path = f.health_path;
  req.health_port = f.health_port;
  req.timeout_sec = *timeout / compute::kMicrosPerSecond;
  if (!f.metadata.empty()) {
    auto md = ParseKeyValues("--metadata", f.metadata);
    if (!md.ok()) return ctx.Fail(cmd, md.status());
    for (const auto& [k, v] : *md) req.metadata.emplace_back(k, v);
  }
  Status read = AddMetadataFromFiles("--metadata-from-file", f.metadata_from_file, &req.metadata);
  if (!read.ok()) return ctx.Fail(cmd, read);
  auto plan = deploy::PlanReplace(*svc, req);
  if (!plan.ok()) return ctx.Fail(cmd, plan.status());
  const Format format = ctx.OutputFormat(Format::kTable);
  if (format == Format::kTable) std::cout << deploy::FormatReplacePlan(*plan) << std::flush;
  if (f.plan_only) {
    if (format != Format::kTable)
      PrintResource(std::cout, format, deploy::ReplacePlanToJson(*plan));
    return kExitOk;
  }
  int rc = kExitOk;
  if (plan->changes &&
      !Confirmed(ctx, cmd, f.yes, "replace " + f.name, "Replace " + f.name + "?", &rc)) {
    return rc;
  }
  bool waited = false;
  auto lock = LockEnvironment(ctx, req.project, "replace-" + req.zone + "-" + req.instance,
                              req.instance, &waited);
  if (!lock.ok()) return ctx.Fail(cmd, lock.status());
  // Another replacement ran meanwhile: plan again from what it left.
  compute::Result<deploy::ReplacePlan> fresh = waited ? deploy::PlanReplace(*svc, req) : plan;
  if (!fresh.ok()) return ctx.Fail(cmd, fresh.status());
  if (waited) std::cout << "The plan now:\n" << deploy::FormatReplacePlan(*fresh) << std::flush;
  CatchInterrupts();
  const bool tty = isatty(STDERR_FILENO);
  deploy::Listener l = StderrListener(tty);
  auto r = deploy::ApplyReplace(*svc, ctx.Clock(), *fresh, l, &g_cancel);
  if (tty) std::cerr << "\r\033[K";
  if (!r.ok()) {
    ctx.Fail(cmd, r.status());
    return g_cancel ? kExitCancelled : ctx.exit_code;
  }
  if (format != Format::kTable) {
    Json j = deploy::ReplacePlanToJson(*fresh);
    j["healthy"] = r->healthy;
    j["message"] = r->message;
    j["downtimeSeconds"] = r->downtime_sec;
    j["stopSeconds"] = r->stop_sec;
    j["swapSeconds"] = r->swap_sec;
    j["bootSeconds"] = r->boot_sec;
    PrintResource(std::cout, format, j);
  }
  std::cerr << (r->healthy ? "" : "ERROR: ") << r->message << "\n";
  return r->healthy ? kExitOk : kExitReleaseFailed;
}

void CommonFlags(CLI::App* c, Flags* f) {
  c->add_option("--environments", f->dir,
                "The directory of environment files (default: environments)");
  c->add_flag("--plan", f->plan_only, "Only show the plan");
  c->add_flag("--yes,-y", f->yes, "Apply without asking");
}

}  // namespace

void AddDeployCommands(CLI::App& root, Context& ctx) {
  {
    auto f = std::make_shared<Flags>();
    CLI::App* c = root.add_subcommand(
        "deploy", "Deploy an environment: plan, apply, wait until it serves healthy");
    c->add_option("ENV", f->env, "The environment: NAME (DIR/NAME.yaml) or a .yaml file")
        ->required();
    CommonFlags(c, f.get());
    c->footer(
        "Exit codes: 0 serving healthy (or nothing to do), 12 the release failed its health "
        "check and was rolled back, 13 it failed and was left for inspection, 130 interrupted "
        "(run it again to continue).\n\nExample:\n  imago deploy dev --plan\n  imago deploy dev "
        "--yes --environments deploy/environments");
    c->callback([&ctx, f] { ctx.exit_code = RunDeploy(ctx, *f); });
  }
  {
    auto f = std::make_shared<Flags>();
    CLI::App* c = root.add_subcommand(
        "rollback", "Put the previous release back (its kept group: no boot, seconds)");
    c->add_option("ENV", f->env, "The environment")->required();
    c->add_option("--to", f->to, "The release to go back to (default: the one before)");
    CommonFlags(c, f.get());
    c->footer("Example:\n  imago rollback prod --yes\n  imago rollback prod --to 7 --plan");
    c->callback([&ctx, f] { ctx.exit_code = RunRollback(ctx, *f); });
  }
  {
    auto f = std::make_shared<Flags>();
    CLI::App* c = root.add_subcommand(
        "promote", "Deploy to TO exactly the image FROM runs healthy (same image id)");
    c->add_option("FROM", f->from, "The environment that tested the image")->required();
    c->add_option("TO", f->env, "The environment that gets it")->required();
    CommonFlags(c, f.get());
    c->footer("Example:\n  imago promote dev prod --yes");
    c->callback([&ctx, f] { ctx.exit_code = RunPromote(ctx, *f); });
  }
  {
    auto f = std::make_shared<Flags>();
    CLI::App* c =
        root.add_subcommand("releases", "The release ledger of an environment, newest first");
    c->add_option("ENV", f->env, "The environment")->required();
    c->add_option("--environments", f->dir, "The directory of environment files");
    c->footer("Example:\n  imago releases prod\n  imago releases prod --format json");
    c->callback([&ctx, f] { ctx.exit_code = RunReleases(ctx, *f); });
  }
  CLI::App* env =
      root.add_subcommand("env", "Environments: list them, clone data into them, destroy them");
  env->require_subcommand(1);
  {
    auto f = std::make_shared<Flags>();
    CLI::App* c = env->add_subcommand(
        "list", "Each environment of the project: its release, health and expiry (ttl)");
    c->footer("Example:\n  imago env list\n  imago env list --format json");
    c->callback([&ctx, f] { ctx.exit_code = RunEnvList(ctx, *f); });
  }
  {
    auto f = std::make_shared<Flags>();
    CLI::App* c = env->add_subcommand(
        "destroy", "Delete everything an environment made (and nothing else); shows it first");
    c->add_option("ENV", f->env, "The environment: NAME (DIR/NAME.yaml) or a .yaml file");
    c->add_option("--service", f->service,
                  "The environment's service, when its file is gone (the ledger says the rest)");
    c->add_flag("--expired", f->expired,
                "Destroy every environment whose ttl has ended (for cron; the local cloud's "
                "controller does it by itself)");
    CommonFlags(c, f.get());
    c->footer(
        "Deletes the load balancer, groups, templates, instances, data disks, snapshots, "
        "health checks, secrets and project metadata the environment's releases and clones "
        "made; never images or anything else. A rerun "
        "after an interruption finishes the job.\n\nExample:\n  imago env destroy dev --plan\n  "
        "imago env destroy dev --yes\n  imago env destroy --expired --yes");
    c->callback([&ctx, f] { ctx.exit_code = RunEnvDestroy(ctx, *f); });
  }
  {
    auto f = std::make_shared<Flags>();
    CLI::App* c = env->add_subcommand(
        "clone-data", "Make an environment's data disks from another's: snapshots, restore, scrub");
    c->add_option("ENV", f->env, "The environment that gets the data: NAME or a .yaml file");
    c->add_option("--to", f->to_env, "The same as ENV, named (--from prod --to dev)");
    c->add_option("--from", f->from,
                  "The environment whose data is copied (default: clone_data.from)");
    c->add_option("--snapshot", f->snapshot,
                  "now: snapshot the source's disks now (default); newest: use the newest "
                  "snapshots that exist");
    CommonFlags(c, f.get());
    c->footer(
        "The source is only read. Before the environment serves, a job VM of the source's "
        "image restores the newest backup (clone_data.backups, clone_data.restore) and runs "
        "clone_data.scrub on the copies; what was used is recorded under the project metadata "
        "key imago-clone-SERVICE-ENV. An environment that has data disks is refused (destroy "
        "it first).\n\nExample:\n  imago env clone-data dev --from prod --plan\n  imago env "
        "clone-data --from prod --to dev --yes\n  imago deploy dev --yes");
    c->callback([&ctx, f] { ctx.exit_code = RunCloneData(ctx, *f); });
  }
}

void AddInstancesReplaceCommand(CLI::App* instances, Context& ctx) {
  auto f = std::make_shared<ReplaceFlags>();
  CLI::App* c = instances->add_subcommand(
      "replace",
      "Release a VM outside any group: stop it, move its data disks to a new VM of the same "
      "name from a new image, wait until it serves");
  c->add_option("NAME", f->name, "The instance")->required();
  c->add_option("--image", f->image, "The new VM's image");
  c->add_option("--image-family", f->image_family,
                "Or a family: its newest usable image, resolved now");
  c->add_option("--metadata", f->metadata, "KEY=VALUE,...: items to set on the new VM");
  c->add_option("--metadata-from-file", f->metadata_from_file, "KEY=PATH,...: the same from files");
  c->add_option("--health-path", f->health_path,
                "The new VM serves when HTTP GET of this path answers 200 (default: when RUNNING)");
  c->add_option("--health-port", f->health_port, "The guest port of --health-path (default 80)");
  c->add_option("--timeout", f->timeout, "How long the new VM may take to serve (default 10m)");
  c->add_flag("--plan", f->plan_only, "Only show the plan");
  c->add_flag("--yes,-y", f->yes, "Apply without asking");
  c->footer(
      "The VM keeps its name, machine type, metadata, labels, tags, address, deletion protection "
      "and data disks (same device names); its boot disk is made anew from the image. The time "
      "it serves nothing is measured and printed. kill -9 or Ctrl-C: run the same command again "
      "to finish.\n"
      "Exit codes: 0 serving (or nothing to do), 13 the new VM did not serve in time (left "
      "running with the disks), 130 interrupted.\n"
      "Example:\n  imago instances replace db-1 --image-family db --health-path /health --yes");
  c->callback([&ctx, f] { ctx.exit_code = RunReplace(ctx, *f); });
}

}  // namespace imago::cli
