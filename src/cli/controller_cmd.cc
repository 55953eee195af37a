// imago controller ...: the process that runs the local cloud's managed
// instance groups (GCE runs its own), and what it is doing.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "base/file_lock.h"
#include "base/file_util.h"
#include "base/subprocess.h"
#include "cli/cloud_factory.h"
#include "cli/commands.h"
#include "cli/controller_run.h"
#include "cli/resource_cmd.h"
#include "compute/time_util.h"
#include "deploy/deployer.h"
#include "deploy/teardown.h"
#include "groups/controller.h"
#include "lb/balancer.h"
#include "lb/haproxy.h"
#include "secrets/bundle_store.h"

namespace imago::cli {

using compute::Json;
using compute::Status;

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) {
  g_stop = true;
}

std::string LockPath(Context& ctx) {
  return ctx.Home() + "/controller.lock";
}
std::string StatusPath(Context& ctx) {
  return ctx.Home() + "/controller.json";
}
std::string PidPath(Context& ctx) {
  return ctx.Home() + "/controller.pid";
}

// The pid in HOME/controller.pid when that process lives and runs imago;
// 0 otherwise. Never takes the lock (a probe that took it could keep a
// starting controller from getting it).
int RunningPid(Context& ctx) {
  std::ifstream in(PidPath(ctx));
  int pid = 0;
  if (!(in >> pid) || pid <= 0) return 0;
  char exe[4096];
  ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), exe, sizeof exe - 1);
  if (n <= 0) return 0;
  exe[n] = 0;
  std::string name = exe;
  name = name.substr(name.rfind('/') + 1);
  return name.rfind("imago", 0) == 0 ? pid : 0;
}

Json ReportJson(const groups::GroupStepReport& r) {
  return {{"zone", r.zone},
          {"group", r.group},
          {"targetSize", r.target_size},
          {"instances", r.instances},
          {"available", r.available},
          {"stable", r.stable},
          {"did", r.did},
          {"waiting", r.waiting},
          {"errors", r.errors}};
}

int RunStatus(Context& ctx) {
  const char* cmd = "controller.status";
  const int pid = RunningPid(ctx);
  const bool held = pid > 0;
  Json st = Json::object();
  std::ifstream in(StatusPath(ctx));
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    st = Json::parse(ss.str(), nullptr, false);
    if (st.is_discarded()) st = Json::object();
  }
  st["running"] = held;
  Format f = ctx.OutputFormat(Format::kTable);
  if (f != Format::kTable) {
    PrintResource(std::cout, f, st);
    return kExitOk;
  }
  std::cout << (held ? fmt::format("controller: running (pid {}), last step {}\n", pid,
                                   st.value("lastStep", "-"))
                     : std::string("controller: not running\n"));
  std::vector<Json> rows;
  for (const auto& g : st.value("groups", Json::array())) rows.push_back(g);
  std::vector<Column> cols = {
      {"ZONE", [](const Json& j) { return Field(j, "zone"); }},
      {"GROUP", [](const Json& j) { return Field(j, "group"); }},
      {"INSTANCES",
       [](const Json& j) { return Field(j, "instances") + "/" + Field(j, "targetSize"); }},
      {"AVAILABLE", [](const Json& j) { return Field(j, "available"); }},
      {"STABLE", [](const Json& j) { return Field(j, "stable"); }},
      {"DOING", [](const Json& j) {
         std::string s;
         for (const auto& d : j.value("did", Json::array()))
           s += (s.empty() ? "" : "; ") + d.get<std::string>();
         for (const auto& e : j.value("errors", Json::array()))
           s += (s.empty() ? "" : "; ") + ("ERROR " + e.get<std::string>());
         if (s.empty()) s = j.value("waiting", "");
         return s;
       }}};
  PrintTable(std::cout, rows, cols);
  const Json& lbs = st.value("loadBalancers", Json::object());
  std::vector<Json> backends;
  for (const auto& b : lbs.value("backends", Json::array())) backends.push_back(b);
  if (!backends.empty() || !lbs.value("errors", Json::array()).empty()) {
    std::cout << "\nload balancer (HAProxy, " << ctx.Home() << "/lb):\n";
    for (const auto& f : lbs.value("frontends", Json::array())) {
      std::cout << "  " << f.get<std::string>() << "\n";
    }
    PrintTable(std::cout, backends,
               {{"BACKEND SERVICE", [](const Json& j) { return Field(j, "name"); }},
                {"SERVERS", [](const Json& j) { return Field(j, "servers"); }},
                {"UP", [](const Json& j) { return Field(j, "up"); }},
                {"DRAINING", [](const Json& j) { return Field(j, "draining"); }}});
    for (const auto& e : lbs.value("errors", Json::array())) {
      std::cout << "  ERROR " << e.get<std::string>() << "\n";
    }
  }
  (void)cmd;
  return kExitOk;
}

}  // namespace

// Environments whose ttl ended (docs/deploy.md): destroyed, each under its
// deploy lock; one that a command holds is left for the next round.
static void DestroyExpiredEnvironments(Context& ctx, compute::Service& svc,
                                       const compute::Clock& clock, const std::string& project,
                                       secrets::BundleStore* bundles) {
  auto did = deploy::DestroyExpired(
      svc, clock, bundles, project,
      [&](const std::string& service, const std::string& env) -> std::shared_ptr<void> {
        bool held = false;
        auto lock = base::FileLock::TryAcquire(
            EnvironmentLockPath(ctx, project, service + "-" + env), &held);
        if (!lock.ok()) return nullptr;
        return std::make_shared<base::FileLock>(std::move(*lock));
      });
  if (!did.ok()) {
    std::cerr << "env: " << did.status().message() << "\n";
    return;
  }
  for (const auto& line : *did) std::cerr << "env: " << line << "\n";
}

Status RunControllerLoop(Context& ctx, compute::Service& svc, int interval_ms,
                         const std::atomic<bool>& stop, bool once) {
  if (!svc.group_runtime()) {
    return Status::Invalid("This cloud runs its own instance groups; no controller is needed.");
  }
  { std::ofstream touch(LockPath(ctx), std::ios::app); }
  bool held = false;
  auto lock = base::FileLock::TryAcquire(LockPath(ctx), &held);
  if (!lock.ok()) {
    return held ? Status::AlreadyExists("A controller already runs for " + ctx.Home() + ".")
                : lock.status();
  }
  // Who holds the lock, for people and scripts (tests/lib/helpers.sh).
  (void)base::WriteFileAtomic(PidPath(ctx), std::to_string(getpid()) + "\n", 0600);
  groups::HostProber prober;
  compute::SystemClock clock;
  // imago serve opens its cloud without resolving the project: the local
  // cloud's default then.
  const std::string project = ctx.g.project.empty() ? "local" : ctx.g.project;
  groups::Controller controller(svc, prober, project, [&clock] { return clock.Now(); });
  // The load balancers: HAProxy under HOME/lb, drained before a group
  // deletes an instance it sends to.
  lb::HaproxyProxy proxy(ctx.Home() + "/lb");
  lb::Balancer balancer(svc, proxy, project, [&clock] { return clock.Now(); });
  const bool balancing = svc.load_balancer_runtime() != nullptr;
  if (balancing) controller.set_drain_gate(&balancer);
  // Deploys' kept groups whose window ended (docs/deploy.md), and secrets
  // whose template is gone: every 30 s.
  secrets::BundleStore bundles(ctx.Home());
  auto next_reap = std::chrono::steady_clock::now();
  while (!stop) {
    auto t0 = std::chrono::steady_clock::now();
    if (t0 >= next_reap) {
      next_reap = t0 + std::chrono::seconds(30);
      auto reaped = deploy::ReapAll(svc, clock, project, &bundles);
      if (reaped.ok()) {
        for (const auto& line : *reaped) std::cerr << "deploy: " << line << "\n";
      } else {
        std::cerr << "deploy: " << reaped.status().message() << "\n";
      }
      DestroyExpiredEnvironments(ctx, svc, clock, project, &bundles);
    }
    Json lbs = Json::object();
    if (balancing) {
      auto lr = balancer.Step();
      if (lr.ok()) {
        Json backends = Json::array();
        for (const auto& b : lr->backends) {
          backends.push_back(
              {{"name", b.name}, {"servers", b.servers}, {"up", b.up}, {"draining", b.draining}});
        }
        lbs = {{"frontends", lr->frontends}, {"backends", backends}, {"errors", lr->errors}};
        for (const auto& e : lr->errors) std::cerr << "load balancer: ERROR " << e << "\n";
      } else {
        lbs = {{"errors", Json::array({lr.status().message()})}};
        std::cerr << "load balancer: " << lr.status().message() << "\n";
      }
    }
    auto reports = controller.Step();
    Json st = {{"pid", getpid()}, {"lastStep", compute::FormatRfc3339(clock.Now())}};
    if (balancing) st["loadBalancers"] = lbs;
    if (reports.ok()) {
      Json groups = Json::array();
      for (const auto& r : *reports) {
        groups.push_back(ReportJson(r));
        for (const auto& d : r.did) std::cerr << r.zone << "/" << r.group << ": " << d << "\n";
        for (const auto& e : r.errors)
          std::cerr << r.zone << "/" << r.group << ": ERROR " << e << "\n";
      }
      st["groups"] = groups;
    } else {
      st["error"] = reports.status().message();
      std::cerr << "controller: " << reports.status().message() << "\n";
    }
    (void)base::WriteFileAtomic(StatusPath(ctx), st.dump(2) + "\n", 0600);
    if (once) break;
    auto spent = std::chrono::steady_clock::now() - t0;
    auto left = std::chrono::milliseconds(interval_ms) - spent;
    for (auto end = std::chrono::steady_clock::now() + left;
         !stop && std::chrono::steady_clock::now() < end;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  unlink(PidPath(ctx).c_str());  // Still holding the lock: no other wrote it.
  return Status::OK();
}

std::string EnvironmentLockPath(Context& ctx, const std::string& project,
                                const std::string& prefix) {
  std::string dir = ctx.Home() + "/deploy";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return dir + "/" + project + "-" + prefix + ".lock";
}

bool EnsureController(Context& ctx, compute::Service& svc) {
  if (!svc.group_runtime()) return false;
  { std::ofstream touch(LockPath(ctx), std::ios::app); }
  {
    bool held = false;
    auto lock = base::FileLock::TryAcquire(LockPath(ctx), &held);
    if (!lock.ok()) return held;  // Held: a controller runs.
    // Free: the pid file of a controller that ended is stale; the new one
    // writes it once it holds the lock.
    unlink(PidPath(ctx).c_str());
  }
  const std::string self = ThisProgram();
  if (self.empty()) return false;
  std::vector<std::string> argv = {self,          "--home",     ctx.Home(), "--project",
                                   ctx.g.project, "controller", "run"};
  Status st = base::SpawnDetached(argv, ctx.Home() + "/controller.log");
  if (!st.ok()) {
    ctx.Warn("cannot start the controller: " + st.message());
    return false;
  }
  // Back when it holds the lock (it then writes its pid): a script that
  // looks next finds it.
  for (int i = 0; i < 200; ++i) {
    if (RunningPid(ctx) > 0) {
      std::cerr << "Started the group controller (imago controller status; log: " << ctx.Home()
                << "/controller.log).\n";
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ctx.Warn("the group controller did not start; see " + ctx.Home() + "/controller.log");
  return false;
}

ControllerThread::ControllerThread(Context& ctx, compute::Service& svc) {
  thread_ = std::thread([this, &ctx, &svc] {
    Status st = RunControllerLoop(ctx, svc, 1000, stop_);
    if (!st.ok() && st.code() != compute::Code::kInvalid) {
      std::cerr << "imago serve: the group controller does not run here: " << st.message() << "\n";
    }
  });
}

ControllerThread::~ControllerThread() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void AddControllerCommands(CLI::App& root, Context& ctx) {
  CLI::App* g = root.add_subcommand(
      "controller", "The process that keeps the local cloud's instance groups at their target");
  g->require_subcommand(1);
  {
    auto once = std::make_shared<bool>(false);
    auto interval = std::make_shared<std::string>("1s");
    CLI::App* c = g->add_subcommand("run", "Run the controller in the foreground (one per home)");
    c->add_flag("--once", *once, "One step, then exit");
    c->add_option("--interval", *interval, "Time between steps (default 1s)");
    c->footer(
        "Commands that need it start it in the background, and imago serve runs one.\n"
        "Example:\n  imago controller run --interval 2s");
    c->callback([&ctx, once, interval] {
      const char* cmd = "controller.run";
      auto d = compute::ParseDuration(*interval);
      if (!d || *d < 100000) {
        ctx.exit_code = ctx.Usage(cmd, "--interval: give a duration of at least 0.1 s, e.g. 1s");
        return;
      }
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      signal(SIGINT, OnSignal);
      signal(SIGTERM, OnSignal);
      signal(SIGPIPE, SIG_IGN);
      Status st = RunControllerLoop(ctx, *svc, static_cast<int>(*d / 1000), g_stop, *once);
      if (!st.ok()) ctx.Fail(cmd, st);
    });
  }
  {
    CLI::App* c = g->add_subcommand("status", "Whether a controller runs, and what it does");
    c->footer("Example:\n  imago controller status");
    c->callback([&ctx] { ctx.exit_code = RunStatus(ctx); });
  }
}

}  // namespace imago::cli
