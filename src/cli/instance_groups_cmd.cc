// imago instance-groups managed ...: managed instance groups, shaped like
// `gcloud compute instance-groups managed` (create, resize,
// rolling-action start-update, list-instances, wait-until, ...).
#include <chrono>
#include <iostream>
#include <thread>
#include <tuple>

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/controller_run.h"
#include "cli/resource_cmd.h"
#include "compute/group_codec.h"
#include "compute/resource_ref.h"
#include "compute/time_util.h"

namespace imago::cli {

using compute::Json;
using compute::Status;

namespace {

std::vector<Column> GroupColumns() {
  return {{"NAME", [](const Json& j) { return Field(j, "name"); }},
          {"LOCATION", [](const Json& j) { return LastOf(j, "zone"); }},
          {"BASE_INSTANCE_NAME", [](const Json& j) { return Field(j, "baseInstanceName"); }},
          {"SIZE",
           [](const Json& j) {
             const Json& a = j.value("currentActions", Json::object());
             int n = 0;
             for (const auto& [k, v] : a.items()) {
               if (k != "deleting" && v.is_number()) n += v.get<int>();
             }
             return std::to_string(n);
           }},
          {"TARGET_SIZE", [](const Json& j) { return Field(j, "targetSize"); }},
          {"INSTANCE_TEMPLATE",
           [](const Json& j) {
             std::string s;
             for (const auto& v : j.value("versions", Json::array())) {
               s += (s.empty() ? "" : ",") + compute::LastSegment(v.value("instanceTemplate", ""));
             }
             return s;
           }},
          {"STABLE", [](const Json& j) { return Field(j, "status.isStable"); }}};
}

std::vector<Column> MemberColumns() {
  return {
      {"NAME", [](const Json& j) { return LastOf(j, "instance"); }},
      {"STATUS", [](const Json& j) { return Field(j, "instanceStatus"); }},
      {"HEALTH_STATE",
       [](const Json& j) { return Field(j, "instanceHealth.0.detailedHealthState"); }},
      {"ACTION", [](const Json& j) { return Field(j, "currentAction"); }},
      {"INSTANCE_TEMPLATE", [](const Json& j) { return LastOf(j, "version.instanceTemplate"); }},
      {"VERSION_NAME", [](const Json& j) { return Field(j, "version.name"); }}};
}

// "5", "25%": a FixedOrPercent of a flag.
compute::Result<compute::FixedOrPercent> ParseFixedOrPercent(const std::string& flag,
                                                             const std::string& text) {
  compute::FixedOrPercent v;
  bool percent = !text.empty() && text.back() == '%';
  std::string digits = percent ? text.substr(0, text.size() - 1) : text;
  if (digits.empty() || digits.size() > 4 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidField(flag, text, "Give a number or a percent, e.g. 1 or 25%.");
  }
  (percent ? v.percent : v.fixed) = std::stoi(digits);
  return v;
}

// "template=T[,name=N][,target-size=S]".
compute::Result<compute::InstanceGroupManagerVersion> ParseVersion(const std::string& flag,
                                                                   const std::string& text) {
  auto kv = ParseKeyValues(flag, text);
  if (!kv.ok()) return kv.status();
  compute::InstanceGroupManagerVersion v;
  for (const auto& [k, val] : *kv) {
    if (k == "template") {
      v.instance_template =
          val.find('/') == std::string::npos ? "global/instanceTemplates/" + val : val;
    } else if (k == "name") {
      v.name = val;
    } else if (k == "target-size") {
      auto s = ParseFixedOrPercent(flag, val);
      if (!s.ok()) return s.status();
      v.target_size = *s;
    } else {
      return Status::InvalidField(flag, text, "Known keys: template, name, target-size.");
    }
  }
  if (v.instance_template.empty()) {
    return Status::InvalidField(flag, text, "Give the template: template=NAME.");
  }
  return v;
}

std::string TemplateRef(const std::string& t) {
  return t.find('/') == std::string::npos ? "global/instanceTemplates/" + t : t;
}

// After a change on the local cloud: make sure a controller runs it.
void Kick(Context& ctx, compute::Service& svc) {
  (void)EnsureController(ctx, svc);
}

struct CreateFlags {
  std::string name, tmpl, base, health_check, initial_delay, description, request_id;
  int size = -1;
};

int RunCreate(Context& ctx, const CreateFlags& f) {
  const char* cmd = "instance-groups.managed.create";
  if (f.size < 0) return ctx.Usage(cmd, "give --size (0 to 1000)");
  compute::InstanceGroupManager g;
  g.name = f.name;
  g.description = f.description;
  g.base_instance_name = f.base;
  g.instance_template = TemplateRef(f.tmpl);
  g.target_size = f.size;
  if (!f.health_check.empty()) {
    compute::AutoHealingPolicy h;
    h.health_check = "global/healthChecks/" + compute::LastSegment(f.health_check);
    if (!f.initial_delay.empty()) {
      auto d = compute::ParseDuration(f.initial_delay);
      if (!d)
        return ctx.Fail(cmd, Status::InvalidField("--initial-delay", f.initial_delay,
                                                  "Give a duration, e.g. 60s."));
      h.initial_delay_sec = static_cast<int>(*d / compute::kMicrosPerSecond);
    }
    g.auto_healing_policies.push_back(h);
  } else if (!f.initial_delay.empty()) {
    return ctx.Usage(cmd, "--initial-delay needs --health-check");
  }
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  compute::MutationOptions opts;
  opts.request_id = f.request_id;
  if (int rc = ctx.Check(
          cmd, svc->instance_group_managers().Insert(ctx.g.project, ctx.g.zone, g, opts))) {
    return rc;
  }
  auto created = svc->instance_group_managers().Get(ctx.g.project, ctx.g.zone, f.name);
  if (!created.ok()) return ctx.Fail(cmd, created.status());
  std::cerr << "Created [" << created->self_link << "].\n";
  Kick(ctx, *svc);
  PrintOne(ctx, *created, GroupColumns());
  return kExitOk;
}

struct UpdateFlags {
  std::string name, version, canary, max_surge, max_unavailable, replacement, min_ready, type;
};

int RunStartUpdate(Context& ctx, const UpdateFlags& f) {
  const char* cmd = "instance-groups.managed.rolling-action.start-update";
  Json patch = Json::object();
  Json versions = Json::array();
  for (auto [flag, text] :
       {std::pair{"--version", &f.version}, std::pair{"--canary-version", &f.canary}}) {
    if (text->empty()) continue;
    auto v = ParseVersion(flag, *text);
    if (!v.ok()) return ctx.Fail(cmd, v.status());
    if (std::string(flag) == "--canary-version" && !v->target_size) {
      return ctx.Fail(cmd,
                      Status::InvalidField(flag, *text, "A canary needs target-size=N or N%."));
    }
    Json x = {{"instanceTemplate", v->instance_template}};
    if (!v->name.empty()) x["name"] = v->name;
    if (v->target_size) x["targetSize"] = compute::ToJson(*v->target_size);
    versions.push_back(x);
  }
  if (f.version.empty()) return ctx.Usage(cmd, "give --version template=NAME");
  patch["versions"] = versions;
  Json policy = {{"type", f.type.empty() ? "PROACTIVE" : f.type}};
  for (auto [flag, text, key] :
       {std::tuple{"--max-surge", &f.max_surge, "maxSurge"},
        std::tuple{"--max-unavailable", &f.max_unavailable, "maxUnavailable"}}) {
    if (text->empty()) continue;
    auto v = ParseFixedOrPercent(flag, *text);
    if (!v.ok()) return ctx.Fail(cmd, v.status());
    Json x = Json::object();
    if (v->fixed) x["fixed"] = *v->fixed;
    if (v->percent) x["percent"] = *v->percent;
    policy[key] = x;
  }
  if (!f.replacement.empty()) {
    std::string m = f.replacement;
    for (auto& ch : m) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
    policy["replacementMethod"] = m;
    // As gcloud: recreating keeps names, so there is no surge unless asked.
    if (m == "RECREATE" && f.max_surge.empty()) policy["maxSurge"] = {{"fixed", 0}};
  }
  if (!f.min_ready.empty()) {
    auto d = compute::ParseDuration(f.min_ready);
    if (!d)
      return ctx.Fail(
          cmd, Status::InvalidField("--min-ready", f.min_ready, "Give a duration, e.g. 30s."));
    policy["minReadySec"] = *d / compute::kMicrosPerSecond;
  }
  patch["updatePolicy"] = policy;
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  if (int rc = ctx.Check(cmd, svc->instance_group_managers().Patch(ctx.g.project, ctx.g.zone,
                                                                   f.name, patch, {}))) {
    return rc;
  }
  auto g = svc->instance_group_managers().Get(ctx.g.project, ctx.g.zone, f.name);
  if (!g.ok()) return ctx.Fail(cmd, g.status());
  std::cerr << "Updated [" << g->self_link
            << "]: the group rolls to its versions now (imago "
               "instance-groups managed wait-until "
            << f.name << " --version-target-reached).\n";
  Kick(ctx, *svc);
  PrintOne(ctx, *g, GroupColumns());
  return kExitOk;
}

int RunWait(Context& ctx, const std::string& name, bool stable, bool version,
            const std::string& timeout) {
  const char* cmd = "instance-groups.managed.wait-until";
  if (stable == version) return ctx.Usage(cmd, "give one of --stable and --version-target-reached");
  auto limit = compute::ParseDuration(timeout.empty() ? "10m" : timeout);
  if (!limit) return ctx.Usage(cmd, "--timeout: give a duration, e.g. 300s");
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  Kick(ctx, *svc);
  auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(*limit);
  std::string last;
  while (true) {
    auto g = svc->instance_group_managers().Get(ctx.g.project, ctx.g.zone, name);
    if (!g.ok()) return ctx.Fail(cmd, g.status());
    bool done = stable ? g->status.value("isStable", false)
                       : g->status.value("versionTarget", Json::object()).value("isReached", false);
    const Json& a = g->current_actions;
    std::string line = fmt::format(
        "Waiting for group to become {}: {} creating, {} recreating, {} deleting, {} verifying, {} "
        "ready",
        stable ? "stable" : "version target reached", a.value("creating", 0),
        a.value("recreating", 0), a.value("deleting", 0), a.value("verifying", 0),
        a.value("none", 0));
    if (line != last) std::cerr << line << "\n";
    last = line;
    if (done) {
      std::cerr << "Group is " << (stable ? "stable" : "at its version target") << ".\n";
      return kExitOk;
    }
    if (std::chrono::steady_clock::now() > end) {
      return ctx.Fail(cmd, Status::Unavailable("Timed out waiting for " + name +
                                               "; see imago instance-groups managed list-errors " +
                                               name + " and imago controller status."));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace

void AddInstanceGroupsCommands(CLI::App& root, Context& ctx) {
  CLI::App* top = root.add_subcommand("instance-groups", "Instance groups");
  top->require_subcommand(1);
  CLI::App* g = top->add_subcommand(
      "managed",
      "Managed instance groups: instances made from a template, kept at a size, healed and rolled");
  g->require_subcommand(1);
  AddNamedPortsCommands(top, ctx, "instance-groups");
  AddNamedPortsCommands(g, ctx, "instance-groups managed");
  {
    auto f = std::make_shared<CreateFlags>();
    CLI::App* c = g->add_subcommand("create", "Create a managed instance group");
    c->add_option("NAME", f->name, "Group name")->required();
    c->add_option("--template", f->tmpl, "Instance template")->required();
    c->add_option("--size", f->size, "Target number of instances (0-1000)")->required();
    c->add_option("--base-instance-name", f->base,
                  "Prefix of instance names (default: the group's name; end in -### for numbers)");
    c->add_option("--health-check", f->health_check,
                  "Autohealing: recreate instances that fail this check");
    c->add_option("--initial-delay", f->initial_delay,
                  "Autohealing: ignore failed checks this long after a create (e.g. 60s)");
    c->add_option("--description", f->description, "Description");
    c->add_option("--request-id", f->request_id, "A UUID making retries of this call safe");
    c->footer(
        "Example:\n  imago instance-groups managed create web --template web-v1 --size 3 \\\n      "
        "--health-check web-hc --initial-delay 30s");
    c->callback([&ctx, f] { ctx.exit_code = RunCreate(ctx, *f); });
  }
  {
    auto lf = std::make_shared<ListFlags>();
    CLI::App* c = g->add_subcommand("list", "List managed instance groups of the zone");
    AddListFlags(c, lf.get(), "name = web-*");
    c->footer("Example:\n  imago instance-groups managed list");
    c->callback([&ctx, lf] {
      compute::Service* svc = ctx.Service("instance-groups.managed.list");
      if (!svc) return;
      ctx.exit_code = RunList<compute::InstanceGroupManager>(
          ctx, "instance-groups.managed.list", *lf, GroupColumns(),
          [&](const compute::ListOptions& o) {
            return svc->instance_group_managers().List(ctx.g.project, ctx.g.zone, o);
          });
    });
  }
  AddDescribe(g, ctx, "instance-groups.managed.describe", "Show one group",
              "imago instance-groups managed describe web",
              [&ctx](compute::Service& svc, const std::string& n) {
                return JsonOf(svc.instance_group_managers().Get(ctx.g.project, ctx.g.zone, n));
              });
  {
    CLI::App* c = g->add_subcommand("delete", "Delete groups and all their instances");
    c->footer("Example:\n  imago instance-groups managed delete web");
    AddNamesVerb(c, ctx, "instance-groups.managed.delete", "Deleting",
                 [&ctx](compute::Service& svc, const std::string& n) {
                   // As gcloud: the group's autoscaler goes first.
                   auto g = svc.instance_group_managers().Get(ctx.g.project, ctx.g.zone, n);
                   if (g.ok() && g->status.contains("autoscaler")) {
                     auto del = svc.autoscalers().Delete(
                         ctx.g.project, ctx.g.zone,
                         compute::LastSegment(g->status["autoscaler"].get<std::string>()), {});
                     if (!del.ok() && del.status().code() != compute::Code::kNotFound) return del;
                   }
                   return svc.instance_group_managers().Delete(ctx.g.project, ctx.g.zone, n, {});
                 });
  }
  {
    struct Flags {
      std::string name, mode, cool_down, window;
      int min = -1, max = 0;
      double target = 0;
    };
    auto f = std::make_shared<Flags>();
    CLI::App* c = g->add_subcommand(
        "set-autoscaling", "Scale the group with its CPU use (creates or changes its autoscaler)");
    c->add_option("NAME", f->name, "Group name")->required();
    c->add_option("--max-num-replicas", f->max, "The largest size")->required();
    c->add_option("--min-num-replicas", f->min, "The smallest size (default 1)");
    c->add_option("--target-cpu-utilization", f->target,
                  "Mean CPU use to keep, above 0 and at most 1 (default 0.6)");
    c->add_option("--cool-down-period", f->cool_down,
                  "How long a new instance's CPU is ignored, e.g. 60s (default 60s)");
    c->add_option("--scale-in-time-window", f->window,
                  "Scale in to the highest recommendation of this window (default 10m)");
    c->add_option("--mode", f->mode, "on (default), off, only-scale-out");
    c->footer(
        "Example:\n  imago instance-groups managed set-autoscaling web --max-num-replicas 5 \\\n"
        "      --min-num-replicas 2 --target-cpu-utilization 0.6 --cool-down-period 90s");
    c->callback([&ctx, f] {
      const char* cmd = "instance-groups.managed.set-autoscaling";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      Json policy = {{"maxNumReplicas", f->max}};
      if (f->min >= 0) policy["minNumReplicas"] = f->min;
      if (f->target > 0) policy["cpuUtilization"] = {{"utilizationTarget", f->target}};
      for (auto [flag, text, key] :
           {std::tuple{"--cool-down-period", f->cool_down, "coolDownPeriodSec"},
            std::tuple{"--scale-in-time-window", f->window, ""}}) {
        if (text.empty()) continue;
        auto sec = ParseSeconds(flag, text);
        if (!sec.ok()) return void(ctx.exit_code = ctx.Fail(cmd, sec.status()));
        if (*key) {
          policy[key] = *sec;
        } else {
          policy["scaleInControl"] = {{"timeWindowSec", *sec}};
        }
      }
      if (!f->mode.empty()) {
        std::string m = f->mode;
        for (auto& ch : m) ch = ch == '-' ? '_' : static_cast<char>(toupper(ch));
        policy["mode"] = m;
      }
      auto g = svc->instance_group_managers().Get(ctx.g.project, ctx.g.zone, f->name);
      if (!g.ok()) return void(ctx.exit_code = ctx.Fail(cmd, g.status()));
      Json body = {{"name", f->name}, {"target", g->self_link}, {"autoscalingPolicy", policy}};
      compute::Result<compute::Operation> op = compute::Status::OK();
      std::string scaler = f->name;
      if (g->status.contains("autoscaler")) {
        scaler = compute::LastSegment(g->status["autoscaler"].get<std::string>());
        body["name"] = scaler;
        op = svc->autoscalers().Patch(ctx.g.project, ctx.g.zone, scaler,
                                      Json{{"autoscalingPolicy", policy}}, {});
      } else {
        auto a = compute::AutoscalerFromJson(body);
        if (!a.ok()) return void(ctx.exit_code = ctx.Fail(cmd, a.status()));
        op = svc->autoscalers().Insert(ctx.g.project, ctx.g.zone, *a, {});
      }
      if (int rc = ctx.Check(cmd, op)) return void(ctx.exit_code = rc);
      Kick(ctx, *svc);
      auto got = svc->autoscalers().Get(ctx.g.project, ctx.g.zone, scaler);
      if (!got.ok()) return void(ctx.exit_code = ctx.Fail(cmd, got.status()));
      std::cerr << "Autoscaling [" << got->self_link << "].\n";
      PrintOne(ctx, *got,
               {{"NAME", [](const Json& j) { return Field(j, "name"); }},
                {"TARGET", [](const Json& j) { return LastOf(j, "target"); }},
                {"MIN", [](const Json& j) { return Field(j, "autoscalingPolicy.minNumReplicas"); }},
                {"MAX", [](const Json& j) { return Field(j, "autoscalingPolicy.maxNumReplicas"); }},
                {"CPU_TARGET",
                 [](const Json& j) {
                   return Field(j, "autoscalingPolicy.cpuUtilization.utilizationTarget");
                 }},
                {"MODE", [](const Json& j) { return Field(j, "autoscalingPolicy.mode"); }},
                {"STATUS", [](const Json& j) { return Field(j, "status"); }}});
    });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("stop-autoscaling", "Delete the group's autoscaler");
    c->add_option("NAME", *name, "Group name")->required();
    c->footer("Example:\n  imago instance-groups managed stop-autoscaling web");
    c->callback([&ctx, name] {
      const char* cmd = "instance-groups.managed.stop-autoscaling";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      auto g = svc->instance_group_managers().Get(ctx.g.project, ctx.g.zone, *name);
      if (!g.ok()) return void(ctx.exit_code = ctx.Fail(cmd, g.status()));
      if (!g->status.contains("autoscaler")) {
        ctx.exit_code = ctx.Fail(
            cmd, compute::Status::InvalidField("NAME", *name, "The group has no autoscaler."));
        return;
      }
      ctx.exit_code =
          ctx.Check(cmd, svc->autoscalers().Delete(
                             ctx.g.project, ctx.g.zone,
                             compute::LastSegment(g->status["autoscaler"].get<std::string>()), {}));
      if (ctx.exit_code == 0) std::cerr << "Stopped autoscaling " << *name << ".\n";
    });
  }
  {
    auto name = std::make_shared<std::string>();
    auto size = std::make_shared<int>(-1);
    CLI::App* c = g->add_subcommand("resize", "Change the target number of instances");
    c->add_option("NAME", *name, "Group name")->required();
    c->add_option("--size", *size, "Target number of instances (0-1000)")->required();
    c->footer("Example:\n  imago instance-groups managed resize web --size 5");
    c->callback([&ctx, name, size] {
      const char* cmd = "instance-groups.managed.resize";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      if (ctx.Check(cmd, svc->instance_group_managers().Resize(ctx.g.project, ctx.g.zone, *name,
                                                               *size, {})))
        return;
      Kick(ctx, *svc);
      auto got = svc->instance_group_managers().Get(ctx.g.project, ctx.g.zone, *name);
      if (!got.ok()) {
        ctx.Fail(cmd, got.status());
        return;
      }
      PrintOne(ctx, *got, GroupColumns());
    });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("list-instances",
                                    "The group's instances, their health and what is done to them");
    c->add_option("NAME", *name, "Group name")->required();
    c->footer("Example:\n  imago instance-groups managed list-instances web");
    c->callback([&ctx, name] {
      const char* cmd = "instance-groups.managed.list-instances";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      auto list =
          svc->instance_group_managers().ListManagedInstances(ctx.g.project, ctx.g.zone, *name);
      if (!list.ok()) {
        ctx.Fail(cmd, list.status());
        return;
      }
      std::vector<Json> rows;
      for (const auto& m : *list) rows.push_back(compute::ToJson(m));
      PrintList(std::cout, ctx.OutputFormat(Format::kTable), rows, MemberColumns());
    });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c =
        g->add_subcommand("list-errors", "Why the group's recent actions failed, newest first");
    c->add_option("NAME", *name, "Group name")->required();
    c->footer("Example:\n  imago instance-groups managed list-errors web");
    c->callback([&ctx, name] {
      const char* cmd = "instance-groups.managed.list-errors";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      auto list = svc->instance_group_managers().ListErrors(ctx.g.project, ctx.g.zone, *name);
      if (!list.ok()) {
        ctx.Fail(cmd, list.status());
        return;
      }
      std::vector<Json> rows;
      for (const auto& e : *list) rows.push_back(compute::ToJson(e));
      PrintList(
          std::cout, ctx.OutputFormat(Format::kTable), rows,
          {{"TIMESTAMP", [](const Json& j) { return Field(j, "timestamp"); }},
           {"INSTANCE", [](const Json& j) { return LastOf(j, "instanceActionDetails.instance"); }},
           {"ACTION", [](const Json& j) { return Field(j, "instanceActionDetails.action"); }},
           {"ERROR", [](const Json& j) { return Field(j, "error.message"); }}});
    });
  }
  for (bool recreate : {true, false}) {
    auto name = std::make_shared<std::string>();
    auto instances = std::make_shared<std::vector<std::string>>();
    CLI::App* c =
        g->add_subcommand(recreate ? "recreate-instances" : "delete-instances",
                          recreate ? "Recreate instances from their version's template (same names)"
                                   : "Delete instances and lower the target size by as many");
    c->add_option("NAME", *name, "Group name")->required();
    c->add_option("--instances", *instances, "Instance names")->required()->delimiter(',');
    c->footer(recreate ? "Example:\n  imago instance-groups managed recreate-instances web "
                         "--instances web-x1z9"
                       : "Example:\n  imago instance-groups managed delete-instances web "
                         "--instances web-x1z9");
    c->callback([&ctx, name, instances, recreate] {
      const char* cmd = recreate ? "instance-groups.managed.recreate-instances"
                                 : "instance-groups.managed.delete-instances";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      auto& igm = svc->instance_group_managers();
      auto op = recreate ? igm.RecreateInstances(ctx.g.project, ctx.g.zone, *name, *instances, {})
                         : igm.DeleteInstances(ctx.g.project, ctx.g.zone, *name, *instances, {});
      if (ctx.Check(cmd, op)) return;
      Kick(ctx, *svc);
      std::cerr << (recreate ? "Recreating " : "Deleted ") << instances->size()
                << " instance(s) of " << *name << ".\n";
    });
  }
  {
    auto name = std::make_shared<std::string>();
    auto req = std::make_shared<compute::ApplyUpdatesRequest>();
    CLI::App* c =
        g->add_subcommand("update-instances",
                          "Bring instances to their version's template now (OPPORTUNISTIC groups)");
    c->add_option("NAME", *name, "Group name")->required();
    c->add_option("--instances", req->instances, "Instance names")->delimiter(',');
    c->add_flag("--all-instances", req->all_instances, "Every instance of the group");
    c->add_option("--minimal-action", req->minimal_action,
                  "NONE (default: only what needs it) or REPLACE (every one named)");
    c->add_option("--most-disruptive-allowed-action", req->most_disruptive_allowed_action,
                  "REPLACE (default); anything less refuses an update that needs a new disk");
    c->footer("Example:\n  imago instance-groups managed update-instances web --all-instances");
    c->callback([&ctx, name, req] {
      const char* cmd = "instance-groups.managed.update-instances";
      for (auto* s : {&req->minimal_action, &req->most_disruptive_allowed_action}) {
        for (auto& ch : *s) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
      }
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      if (ctx.Check(cmd, svc->instance_group_managers().ApplyUpdatesToInstances(
                             ctx.g.project, ctx.g.zone, *name, *req, {}))) {
        return;
      }
      Kick(ctx, *svc);
      std::cerr << "Updating the instances of " << *name << " (imago instance-groups managed "
                << "wait-until " << *name << " --stable).\n";
    });
  }
  {
    auto name = std::make_shared<std::string>();
    auto tmpl = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand(
        "set-instance-template",
        "The template of new instances (existing ones change on a rolling update)");
    c->add_option("NAME", *name, "Group name")->required();
    c->add_option("--template", *tmpl, "Instance template")->required();
    c->footer(
        "Example:\n  imago instance-groups managed set-instance-template web --template web-v2");
    c->callback([&ctx, name, tmpl] {
      const char* cmd = "instance-groups.managed.set-instance-template";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      if (ctx.Check(cmd, svc->instance_group_managers().SetInstanceTemplate(
                             ctx.g.project, ctx.g.zone, *name, TemplateRef(*tmpl), {})))
        return;
      Kick(ctx, *svc);
    });
  }
  {
    CLI::App* ra = g->add_subcommand("rolling-action", "Rolling updates");
    ra->require_subcommand(1);
    auto f = std::make_shared<UpdateFlags>();
    CLI::App* c = ra->add_subcommand("start-update", "Roll the group to new versions");
    c->add_option("NAME", f->name, "Group name")->required();
    c->add_option("--version", f->version,
                  "template=T[,name=N]: the version of the rest of the group")
        ->required();
    c->add_option("--canary-version", f->canary, "template=T,target-size=N|P%[,name=N]: a canary");
    c->add_option("--max-surge", f->max_surge,
                  "Instances above the target during the update: N or P% (default 1)");
    c->add_option("--max-unavailable", f->max_unavailable,
                  "Instances that may be unavailable: N or P% (default 1)");
    c->add_option("--replacement-method", f->replacement,
                  "substitute (new names; default) or recreate (same names)");
    c->add_option("--min-ready", f->min_ready,
                  "How long a new instance must be available before it counts (e.g. 30s)");
    c->add_option("--type", f->type, "PROACTIVE (default) or OPPORTUNISTIC");
    c->footer(
        "Example:\n  imago instance-groups managed rolling-action start-update web --version "
        "template=web-v2 \\\n      --max-surge 1 --max-unavailable 0\n  imago instance-groups "
        "managed wait-until web --version-target-reached");
    c->callback([&ctx, f] { ctx.exit_code = RunStartUpdate(ctx, *f); });
  }
  {
    auto name = std::make_shared<std::string>();
    auto stable = std::make_shared<bool>(false);
    auto version = std::make_shared<bool>(false);
    auto timeout = std::make_shared<std::string>();
    CLI::App* c =
        g->add_subcommand("wait-until", "Wait until the group is stable or at its version target");
    c->add_option("NAME", *name, "Group name")->required();
    c->add_flag("--stable", *stable, "Until nothing is being done to any instance");
    c->add_flag("--version-target-reached", *version,
                "Until every instance runs its version's template");
    c->add_option("--timeout", *timeout, "Give up after this long (default 10m)");
    c->footer("Example:\n  imago instance-groups managed wait-until web --stable --timeout 300s");
    c->callback([&ctx, name, stable, version, timeout] {
      ctx.exit_code = RunWait(ctx, *name, *stable, *version, *timeout);
    });
  }
}

}  // namespace imago::cli
