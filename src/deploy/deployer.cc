#include "deploy/deployer.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/base64.h"
#include "compute/group_codec.h"
#include "compute/resource_ref.h"
#include "deploy/clone_data.h"
#include "deploy/release_util.h"
#include "lifecycle/rotation.h"

namespace imago::deploy {

using compute::Code;
using compute::Json;
using compute::Result;
using compute::Status;
using lifecycle::Release;
using lifecycle::ReleaseLedger;
namespace state = lifecycle::release_state;

namespace {

// The startup-script of a pull release: fetches the release's configuration
// from the project's metadata (its key is the instance's imago-config-key),
// writes each item to /run/imago/config/KEY and each secret to
// /run/imago/secrets/NAME (mode 0600), and runs the configuration's
// own startup-script when it has one. busybox or a full Debian: wget or curl.
constexpr const char* kPullLoader = R"(#!/bin/sh
# imago pull model: this release's configuration lives in the project's
# metadata; fetch it at boot.
md=http://169.254.169.254/computeMetadata/v1
get() {
  wget -q -O - --header 'Metadata-Flavor: Google' "$md/$1" 2>/dev/null ||
    curl -sf -H 'Metadata-Flavor: Google' "$md/$1"
}
key=$(get instance/attributes/imago-config-key) || exit 1
mkdir -p /run/imago/config
get "project/attributes/$key" >/run/imago/config.b64 || exit 1
while read -r k v; do
  [ -n "$k" ] && echo "$v" | base64 -d >"/run/imago/config/$k"
done </run/imago/config.b64
# Secrets (names in imago-secrets): only this guest's metadata server has
# them; kept in /run (memory), readable by root only.
names=$(get instance/attributes/imago-secrets) || names=
if [ -n "$names" ]; then
  (umask 077; mkdir -p /run/imago/secrets
   for n in $names; do get "instance/attributes/$n" >"/run/imago/secrets/$n" || exit 1; done) ||
    exit 1
fi
echo "imago: configuration $key pulled" >/dev/console 2>/dev/null
if [ -f /run/imago/config/startup-script ]; then
  exec sh /run/imago/config/startup-script
fi
)";

// The group's statefulPolicy: every data disk preserved, never deleted with
// its VM or the group (only env destroy deletes it).
Json StatefulPolicy(const Environment& env) {
  Json disks = Json::object();
  for (const auto& d : env.data_disks) disks[d.device] = {{"autoDelete", "NEVER"}};
  return {{"preservedState", {{"disks", disks}}}};
}

// A plan of `action` for `env`: who and where, nothing planned yet.
Plan PlanFor(const Environment& env, const std::string& action) {
  Plan p;
  p.action = action;
  p.env = env.name;
  p.service = env.service;
  p.project = env.project;
  p.zone = env.zone;
  p.strategy = env.strategy;
  p.ttl_sec = env.ttl_sec;
  return p;
}

bool IsNotFound(const Status& st) {
  return st.code() == Code::kNotFound;
}

}  // namespace

std::string CurrentUser() {
  std::string user;
  if (const char* u = getenv("USER"); u && *u) {
    user = u;
  } else if (const passwd* pw = getpwuid(getuid())) {
    user = pw->pw_name;
  } else {
    user = "uid" + std::to_string(getuid());
  }
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  return user + "@" + host;
}

// ---------------------------------------------------------------- plans

std::string FormatPlan(const Plan& p) {
  std::string out;
  if (!p.changes()) {
    out += fmt::format("{} {}: no changes; release {} serves ({})\n", p.action, p.env, p.live,
                       p.image);
  } else {
    out += fmt::format("{} {}: release {} of {} ({}, {}){}\n", p.action, p.env, p.release,
                       p.service, StrategyName(p.strategy), ModelName(p.model),
                       p.resume ? ", continuing an interrupted run" : "");
    out += fmt::format("  image   {} (id {}): {}\n", p.image, p.image_id, p.why);
    if (p.ttl_sec > 0) {
      out += fmt::format("  ttl     {}: the environment is destroyed then, unless deployed again\n",
                         compute::FormatDuration(p.ttl_sec * compute::kMicrosPerSecond));
    }
  }
  size_t w = 0;
  for (const auto& s : p.steps) w = std::max(w, s.kind.size() + 1 + s.name.size());
  for (const auto& s : p.steps) {
    std::string what = s.kind + " " + s.name;
    out += fmt::format("  {} {:<{}}  {}\n", s.op, what, w, s.detail);
  }
  return out;
}

Json PlanToJson(const Plan& p) {
  Json steps = Json::array();
  for (const auto& s : p.steps) {
    steps.push_back(
        {{"op", std::string(1, s.op)}, {"kind", s.kind}, {"name", s.name}, {"detail", s.detail}});
  }
  return {{"action", p.action},
          {"environment", p.env},
          {"service", p.service},
          {"project", p.project},
          {"zone", p.zone},
          {"release", p.release},
          {"changes", p.changes()},
          {"resume", p.resume},
          {"strategy", StrategyName(p.strategy)},
          {"model", ModelName(p.model)},
          {"image", p.image},
          {"imageId", p.image_id},
          {"why", p.why},
          {"size", p.size},
          {"instanceTemplate", p.instance_template},
          {"group", p.group},
          {"instance", p.instance},
          {"liveRelease", p.live},
          {"liveGroup", p.live_group},
          {"ttl", p.ttl_sec > 0 ? compute::FormatDuration(p.ttl_sec * compute::kMicrosPerSecond)
                                : std::string()},
          {"steps", steps}};
}

Deployer::Deployer(compute::Service& svc, const compute::Clock& clock, std::string who, int poll_ms)
    : svc_(svc),
      clock_(clock),
      who_(who.empty() ? CurrentUser() : std::move(who)),
      poll_ms_(poll_ms) {}

std::string Deployer::Now() const {
  return compute::FormatRfc3339(clock_.Now());
}

Status Deployer::CanDeliverSecrets(const Environment& env) const {
  if (env.secrets.empty() || bundles_) return Status::OK();
  return Status::Invalid(fmt::format(
      "{}: secrets: only the local cloud can hand secrets to VMs yet (on GCE a VM reads them "
      "itself, e.g. with Vault Agent's gcp auth); remove secrets: or deploy with --cloud local",
      env.file));
}

Result<secrets::Values> Deployer::ResolveSecrets(const Environment& env) {
  IMAGO_RETURN_IF_ERROR(CanDeliverSecrets(env));
  secrets::ResolverOptions opts = resolver_;
  if (opts.base_dir == "." && !env.file.empty()) {
    opts.base_dir = std::filesystem::path(env.file).parent_path().string();
    if (opts.base_dir.empty()) opts.base_dir = ".";
  }
  auto values = secrets::Resolve(env.secrets, opts);
  if (!values.ok()) {
    return Status(values.status().code(),
                  fmt::format("{}: {}; nothing was changed", env.file, values.status().message()));
  }
  return values;
}

bool Deployer::SameSecrets(const std::string& project, const std::string& tmpl,
                           const secrets::Values& values, std::vector<std::string>* changed) const {
  secrets::Values kept;
  if (bundles_ && !tmpl.empty()) {
    auto got = bundles_->Get(project, tmpl);
    if (got.ok()) kept = std::move(*got);
  }
  std::map<std::string, std::string> before(kept.begin(), kept.end());
  std::map<std::string, std::string> now(values.begin(), values.end());
  for (const auto& [name, value] : now) {
    auto it = before.find(name);
    if (it == before.end() || it->second != value) changed->push_back(name);
  }
  for (const auto& [name, value] : before) {
    if (!now.count(name)) changed->push_back(name + " (removed)");
  }
  return changed->empty();
}

Status Deployer::DeleteTemplate(const std::string& project, const std::string& name) {
  auto t = svc_.instance_templates().Delete(project, name, {});
  if (!t.ok() && !IsNotFound(t.status())) return t.status();
  // The secrets go with the template that named them, never before it.
  if (bundles_) IMAGO_RETURN_IF_ERROR(bundles_->Remove(project, name));
  return Status::OK();
}

Result<std::vector<Release>> Deployer::Releases(const Environment& env) {
  return ReleaseLedger(svc_.projects(), env.project, env.service, env.name).Read();
}

Result<Plan> Deployer::PlanDeploy(const Environment& env) {
  IMAGO_RETURN_IF_ERROR(CanDeliverSecrets(env));  // Before any call to the cloud.
  Result<compute::Image> image = Status::Internal("unset");
  if (!env.image_family.empty()) {
    image = svc_.images().GetFromFamily(env.project, env.image_family);
    if (!image.ok()) {
      return Status(image.status().code(), fmt::format("{}: image.family '{}': {}", env.file,
                                                       env.image_family, image.status().message()));
    }
  } else {
    image = svc_.images().Get(env.project, env.image);
    if (!image.ok()) {
      return Status(image.status().code(), fmt::format("{}: image.name '{}': {}", env.file,
                                                       env.image, image.status().message()));
    }
  }
  return PlanImage(env, std::to_string(image->id), "", "deploy");
}

Result<Plan> Deployer::PlanImage(const Environment& env, const std::string& image_id,
                                 const std::string& why, const std::string& action) {
  IMAGO_RETURN_IF_ERROR(CanDeliverSecrets(env));
  IMAGO_RETURN_IF_ERROR(CheckCloneFinished(svc_, env));
  auto image = svc_.images().Get(env.project, image_id);
  if (!image.ok()) return image.status();
  auto st = image->State();
  if (st == compute::DeprecationState::kObsolete || st == compute::DeprecationState::kDeleted ||
      image->status != "READY") {
    return Status::NotReady(fmt::format(
        "The image '{}' is {}; deploy a READY image (imago images list --family {}).", image->name,
        image->status != "READY"
            ? image->status
            : (st == compute::DeprecationState::kObsolete ? "OBSOLETE" : "DELETED"),
        image->family.empty() ? "FAMILY" : image->family));
  }
  auto releases = Releases(env);
  if (!releases.ok()) return releases.status();
  const Release* live = Last(*releases, state::kLive);
  const Release* running = Last(*releases, state::kDeploying);

  Plan p = PlanFor(env, action);
  p.model = env.model;
  p.image = image->name;
  p.image_id = std::to_string(image->id);
  auto digest = image->labels.find(lifecycle::kBakeDigestLabel);
  if (digest != image->labels.end()) p.image_digest = digest->second;
  p.config_hash = ConfigHash(env);
  p.size = env.size;
  if (!env.secrets.empty()) {
    auto values = ResolveSecrets(env);
    if (!values.ok()) return values.status();
    p.secret_values = std::move(*values);
  }
  std::vector<std::string> secrets_changed;
  const bool same_secrets =
      !live || SameSecrets(env.project, live->instance_template, p.secret_values, &secrets_changed);
  if (live) {
    p.live = live->number;
    p.live_group = live->group;
    p.live_template = live->instance_template;
  }
  const std::string prefix = env.Prefix();

  // A group does not become one VM or the reverse: their resources differ.
  if (live && live->instance.empty() != (env.kind == Kind::kGroup)) {
    return Status::Invalid(fmt::format(
        "{}: kind: {} but release {} of {} runs {} {}; destroy the environment first (imago env "
        "destroy {}) or keep its kind",
        env.file, env.kind == Kind::kInstance ? "instance" : "group", live->number, env.name,
        live->instance.empty() ? "as group" : "as VM",
        live->instance.empty() ? live->group : live->instance, env.name));
  }
  // Nothing to do when the live release runs this image with this configuration.
  bool live_group_exists = false;
  if (env.kind == Kind::kInstance) {
    auto runs = VmRuns(env, live ? live->number : 0);  // Also refuses a VM not this env's.
    if (!runs.ok()) return runs.status();
    live_group_exists = live && *runs;
  } else if (live) {
    auto g = svc_.instance_group_managers().Get(env.project, env.zone, live->group);
    live_group_exists = g.ok();
  }
  if (action == "deploy" && live && live_group_exists && live->image_id == p.image_id &&
      live->config_hash == p.config_hash && live->strategy == StrategyName(env.strategy) &&
      live->size == env.size && same_secrets && !running) {
    p.group = live->group;
    p.instance = live->instance;
    p.instance_template = live->instance_template;
    if (env.kind == Kind::kInstance) {
      p.steps.push_back({'=', "instance", live->instance,
                         fmt::format("{} (release {})", live->image, live->number)});
      return p;
    }
    p.steps.push_back(
        {'=', "group", live->group,
         fmt::format("{} instances of {} (release {})", live->size, live->image, live->number)});
    p.steps.push_back({'=', "load balancer", prefix, fmt::format("127.0.0.1:{}", env.lb_port)});
    return p;
  }

  // A run that ended in the middle of this very release is continued.
  if (running && running->image_id == p.image_id && running->config_hash == p.config_hash &&
      running->strategy == StrategyName(env.strategy) && running->kind == action) {
    p.release = running->number;
    p.resume = true;
    p.why = running->why;
    p.group = running->group;
    p.instance = running->instance;
    p.instance_template = running->instance_template;
  } else {
    p.release = NextNumber(*releases);
    p.instance_template = ReleaseName(prefix, p.release);
    if (env.kind == Kind::kInstance) {
      p.instance = prefix;
    } else {
      p.group = env.strategy == Strategy::kRedBlack ? p.instance_template : prefix;
    }
    if (!why.empty()) {
      p.why = why;
    } else if (!live) {
      p.why = "first release";
    } else {
      std::vector<std::string> reasons;
      if (live->image_id != p.image_id) {
        reasons.push_back(!env.image_family.empty()
                              ? fmt::format("family {} moved from {} to {}", env.image_family,
                                            live->image, p.image)
                              : fmt::format("image changed from {} to {}", live->image, p.image));
      }
      if (live->config_hash != p.config_hash) reasons.push_back("configuration changed");
      if (!same_secrets && live->config_hash == p.config_hash) {
        reasons.push_back("secrets changed: " +
                          fmt::format("{}", fmt::join(secrets_changed, ", ")));
      }
      if (live->strategy != StrategyName(env.strategy)) {
        reasons.push_back(fmt::format("strategy changed from {} to {}", live->strategy,
                                      StrategyName(env.strategy)));
      }
      if (live->size != env.size) {
        reasons.push_back(fmt::format("size changed from {} to {}", live->size, env.size));
      }
      if (!live_group_exists) {
        reasons.push_back(env.kind == Kind::kInstance
                              ? fmt::format("the VM {} does not run it", prefix)
                              : fmt::format("the group {} is gone", live->group));
      }
      p.why = reasons.empty() ? "redeploy" : fmt::format("{}", fmt::join(reasons, "; "));
    }
    if (running) {
      p.steps.push_back({'-', "release", std::to_string(running->number),
                         "interrupted with other settings: abandoned, its group deleted"});
    }
  }
  if (st == compute::DeprecationState::kDeprecated) {
    p.steps.push_back({'!', "image", p.image, "is DEPRECATED; deploying it anyway"});
  }

  // The steps, as they will happen.
  // Each release has its own health check (named as its template): a
  // release that changes the check never changes how the live one is judged.
  auto hc = svc_.health_checks().Get(env.project, p.instance_template);
  p.steps.push_back({hc.ok() ? '=' : '+', "health check", p.instance_template,
                     env.health.protocol == "HTTP"
                         ? fmt::format("HTTP {} on port {}", env.health.path, env.health.port)
                         : fmt::format("TCP port {}", env.health.port)});
  if (env.kind == Kind::kInstance) {
    IMAGO_RETURN_IF_ERROR(CheckVmDisks(env));
    PlanVmSteps(env, &p);
    return p;
  }
  const bool warm = svc_.instance_group_managers().Get(env.project, env.zone, p.group).ok() &&
                    env.strategy == Strategy::kRedBlack;
  auto tmpl = svc_.instance_templates().Get(env.project, p.instance_template);
  p.steps.push_back(
      {tmpl.ok() ? '=' : '+', "instance template", p.instance_template,
       fmt::format(
           "{}, {}, {} configuration item(s){}{}{}", p.image, env.machine_type, env.config.size(),
           env.secrets.empty()
               ? ""
               : fmt::format(", {} secret(s) handed over at boot", env.secrets.size()),
           env.data_disks.empty() ? ""
                                  : fmt::format(", {} data disk(s) each VM keeps across releases",
                                                env.data_disks.size()),
           env.model == Model::kPull ? " pulled at boot" : "")});
  if (env.strategy == Strategy::kRedBlack) {
    p.steps.push_back(
        {warm ? '=' : '+', "group", p.group,
         fmt::format("{} instance(s){}, health-gated", env.size,
                     env.autoscaling ? fmt::format(" (autoscaled {}-{})", env.autoscaling->min,
                                                   env.autoscaling->max)
                                     : "")});
    p.steps.push_back(
        {'~', "backend service", prefix,
         live && live->group != p.group
             ? fmt::format("{} -> {}, when all of {} is healthy", live->group, p.group, p.group)
             : fmt::format("-> {}, when it is healthy", p.group)});
    if (live && live->group != p.group) {
      p.steps.push_back({'-', "group", live->group,
                         fmt::format("disabled: out of the load balancer, kept warm at {} for {}, "
                                     "then deleted",
                                     live->size,
                                     compute::FormatDuration(env.keep_previous_sec *
                                                             compute::kMicrosPerSecond))});
    }
  } else {
    bool exists = svc_.instance_group_managers().Get(env.project, env.zone, p.group).ok();
    p.steps.push_back(
        {exists ? '~' : '+', "group", p.group,
         exists ? fmt::format("rolling to {}: max surge {}, max unavailable {}, health-gated",
                              p.instance_template, env.max_surge, env.max_unavailable)
                : fmt::format("{} instance(s) of {}", env.size, p.instance_template)});
  }
  bool lb = svc_.global_forwarding_rules().Get(env.project, prefix).ok();
  p.steps.push_back({lb ? '=' : '+', "load balancer", prefix,
                     fmt::format("forwarding rule on port {}, URL map, HTTP proxy", env.lb_port)});
  return p;
}

Result<Plan> Deployer::PlanRollback(const Environment& env, int to) {
  auto releases = Releases(env);
  if (!releases.ok()) return releases.status();
  const Release* live = Last(*releases, state::kLive);
  if (!live) {
    return Status::Invalid("Nothing to roll back: " + env.name +
                           " has no live release (imago releases " + env.name + ").");
  }
  const Release* target = nullptr;
  if (to > 0) {
    target = Find(*releases, to);
    if (!target) {
      return Status::ResourceNotFound(fmt::format("release {} of {}", to, env.name));
    }
    if (target->number == live->number) {
      return Status::Invalid(fmt::format("Release {} is the live release already.", to));
    }
    if (target->state == state::kFailed) {
      return Status::Invalid(fmt::format(
          "Release {} never served (it failed: {}); give one that did.", to, target->result));
    }
  } else {
    // The last release before the live one that served.
    for (auto it = releases->rbegin(); it != releases->rend(); ++it) {
      if (it->number < live->number && it->state != state::kFailed &&
          it->state != state::kDeploying && !it->image_id.empty()) {
        if (it->group == live->group && env.strategy == Strategy::kRedBlack) continue;
        target = &*it;
        break;
      }
    }
    if (!target) {
      return Status::Invalid("Nothing to roll back to: release " + std::to_string(live->number) +
                             " is the first that served.");
    }
  }
  const std::string why =
      fmt::format("rollback from release {} to release {}", live->number, target->number);
  // Warm: the target's group still runs (red/black), or its template exists (rolling).
  bool group_exists = svc_.instance_group_managers().Get(env.project, env.zone, target->group).ok();
  bool template_exists = svc_.instance_templates().Get(env.project, target->instance_template).ok();
  // Back to the target's own template: its exact image and configuration.
  auto back = [&]() {
    Plan p = PlanFor(env, "rollback");
    p.model = target->model == "pull" ? Model::kPull : Model::kPush;
    p.image = target->image;
    p.image_id = target->image_id;
    p.image_digest = target->image_digest;
    p.config_hash = target->config_hash;
    p.release = NextNumber(*releases);
    p.instance_template = target->instance_template;
    p.config_key = target->config_key;
    p.live = live->number;
    p.live_group = live->group;
    p.live_template = live->instance_template;
    return p;
  };
  if (env.kind == Kind::kInstance && !target->instance.empty() && !target->config_key.empty()) {
    // Back to the target's kept configuration (and secrets, when its bundle
    // is still kept), else below: its image with the file's configuration.
    auto proj = svc_.projects().Get(env.project);
    if (!proj.ok()) return proj.status();
    const bool kept = proj->common_instance_metadata.Get(target->config_key).has_value() &&
                      (env.secrets.empty() ||
                       (bundles_ && bundles_->Get(env.project, target->instance_template).ok()));
    if (kept) {
      Plan p = back();
      p.size = 1;
      p.instance = env.Prefix();
      p.why = why + " (its configuration is kept: exactly its image and configuration)";
      PlanVmSteps(env, &p);
      return p;
    }
  }
  if (env.strategy == Strategy::kRedBlack && target->strategy == "red-black" && group_exists &&
      template_exists) {
    Plan p = back();
    p.size = std::max(target->size, 1);
    p.group = target->group;
    p.warm = true;
    p.why = why + " (its group is still warm: no boot)";
    p.steps.push_back({'~', "group", p.group,
                       fmt::format("re-enabled at {} instance(s) (release {}, {})", p.size,
                                   target->number, target->image)});
    p.steps.push_back(
        {'~', "backend service", env.Prefix(),
         fmt::format("{} -> {}, when all of {} is healthy", live->group, p.group, p.group)});
    p.steps.push_back(
        {'-', "group", live->group,
         fmt::format("disabled: out of the load balancer, kept for {}",
                     compute::FormatDuration(env.keep_previous_sec * compute::kMicrosPerSecond))});
    return p;
  }
  if (env.strategy == Strategy::kRolling && template_exists) {
    Plan p = back();
    p.size = env.size;
    p.group = env.Prefix();
    p.why = why + " (its template still exists: exactly its image and configuration)";
    p.steps.push_back({'~', "group", p.group,
                       fmt::format("rolling back to {}: max surge {}, max unavailable {}",
                                   p.instance_template, env.max_surge, env.max_unavailable)});
    return p;
  }
  // Gone: a new release of the target's image with the file's configuration.
  auto p = PlanImage(env, target->image_id,
                     why +
                         " (its group and template are gone: its image, with the "
                         "configuration of " +
                         env.file + ")",
                     "rollback");
  if (!p.ok()) {
    return Status(p.status().code(), fmt::format("Cannot roll back to release {}: {}",
                                                 target->number, p.status().message()));
  }
  return p;
}

Result<Plan> Deployer::PlanPromotion(const Environment& from, const Environment& to) {
  auto releases = Releases(from);
  if (!releases.ok()) return releases.status();
  const Release* live = Last(*releases, state::kLive);
  if (!live) {
    return Status::NotReady(
        fmt::format("Cannot promote: {} has no live release; deploy it first (imago deploy {}).",
                    from.name, from.name));
  }
  // It must serve healthy now, not only once.
  int healthy = 0, total = 0;
  if (from.kind == Kind::kInstance) {
    total = 1;
    auto runs = VmRuns(from, live->number);
    if (!runs.ok()) return runs.status();
    if (*runs) {
      auto ok = VmHealthy(from, live->instance_template);
      if (!ok.ok()) return ok.status();
      healthy = *ok ? 1 : 0;
    }
    if (!healthy) {
      return Status::NotReady(fmt::format(
          "Cannot promote: {} is not healthy (its VM {} {} release {}); promote what passed its "
          "checks there.",
          from.name, from.Prefix(), *runs ? "fails its health check with" : "does not run",
          live->number));
    }
  } else {
    auto mis =
        svc_.instance_group_managers().ListManagedInstances(from.project, from.zone, live->group);
    if (!mis.ok()) {
      return Status::NotReady(fmt::format("Cannot promote: the group {} of {}: {}", live->group,
                                          from.name, mis.status().message()));
    }
    total = static_cast<int>(mis->size());
    for (const auto& mi : *mis)
      healthy += mi.instance_status == "RUNNING" && mi.health_state == "HEALTHY";
    if (healthy == 0 || healthy < total) {
      return Status::NotReady(fmt::format(
          "Cannot promote: {} is not healthy ({} of {} instances of {} healthy); promote what "
          "passed its checks there.",
          from.name, healthy, total, live->group));
    }
  }
  auto image = svc_.images().Get(from.project, live->image_id);
  if (!image.ok()) {
    return Status::NotReady(fmt::format("Cannot promote: the image {} (id {}) that {} runs: {}",
                                        live->image, live->image_id, from.name,
                                        image.status().message()));
  }
  if (image->State() != compute::DeprecationState::kActive || image->status != "READY") {
    return Status::NotReady(fmt::format(
        "Cannot promote: the image {} that {} runs has been deprecated since it was deployed.",
        image->name, from.name));
  }
  auto digest = image->labels.find(lifecycle::kBakeDigestLabel);
  std::string now_digest = digest == image->labels.end() ? "" : digest->second;
  if (now_digest != live->image_digest || image->name != live->image) {
    return Status::NotReady(fmt::format(
        "Cannot promote: the image {} (id {}) changed since {} deployed it (name or bake "
        "digest); deploy it to {} again first.",
        live->image, live->image_id, from.name, from.name));
  }
  return PlanImage(to, live->image_id,
                   fmt::format("promoted from {} release {} ({} of {} instances healthy)",
                               from.name, live->number, healthy, total),
                   "promote");
}

// ---------------------------------------------------------------- resources

bool Deployer::ReusesRelease(const Environment& env, const Plan& plan) {
  return plan.changes() && plan.instance_template != ReleaseName(env.Prefix(), plan.release);
}

Status Deployer::EnsureHealthCheck(const Environment& env, const std::string& name,
                                   bool keep_existing) {
  const compute::HealthCheck hc = HealthCheckFor(env, name);
  auto got = svc_.health_checks().Get(env.project, hc.name);
  if (got.ok() && keep_existing) return Status::OK();
  if (got.ok()) {
    bool same = got->type == hc.type && got->check_interval_sec == hc.check_interval_sec &&
                got->timeout_sec == hc.timeout_sec &&
                got->healthy_threshold == hc.healthy_threshold &&
                got->unhealthy_threshold == hc.unhealthy_threshold &&
                (hc.http ? got->http && got->http->port == hc.http->port &&
                               got->http->request_path == hc.http->request_path &&
                               got->http->response == hc.http->response
                         : got->tcp && got->tcp->port == hc.tcp->port &&
                               got->tcp->response == hc.tcp->response);
    if (same) return Status::OK();
    return compute::OperationStatus(svc_.health_checks().Update(env.project, hc.name, hc, {}));
  }
  if (!IsNotFound(got.status())) return got.status();
  return compute::OperationStatus(svc_.health_checks().Insert(env.project, hc, {}));
}

Status Deployer::EnsureTemplate(const Environment& env, const Plan& plan) {
  auto got = svc_.instance_templates().Get(env.project, plan.instance_template);
  if (got.ok()) return Status::OK();
  if (!IsNotFound(got.status())) return got.status();
  compute::InstanceTemplate t;
  t.name = plan.instance_template;
  t.description = fmt::format("imago: release {} of {} in {} ({})", plan.release, env.service,
                              env.name, plan.why);
  compute::Instance& in = t.properties;
  in.machine_type = env.machine_type;
  compute::AttachedDisk boot;
  boot.boot = true;
  boot.auto_delete = true;
  boot.initialize_params = compute::InitializeParams{};
  boot.initialize_params->source_image = compute::GlobalPath(env.project, "images", plan.image);
  in.disks.push_back(boot);
  for (const auto& dd : env.data_disks) {
    // Made the first time a VM of the group is; kept by the group's
    // statefulPolicy after that (never deleted but by env destroy).
    compute::AttachedDisk d;
    d.device_name = dd.device;
    d.auto_delete = false;
    d.initialize_params = compute::InitializeParams{};
    d.initialize_params->disk_size_gb = dd.size_gb;
    d.initialize_params->description =
        fmt::format("imago: data disk {} of {} in {}", dd.device, env.service, env.name);
    d.initialize_params->labels = {{"imago-service", env.service}, {"imago-env", env.name}};
    in.disks.push_back(d);
  }
  in.labels = {{"imago-service", env.service},
               {"imago-env", env.name},
               {"imago-release", std::to_string(plan.release)}};
  std::string ports = std::to_string(env.port);
  if (env.health.port != env.port) ports += "," + std::to_string(env.health.port);
  auto& items = in.metadata.items;
  if (env.model == Model::kPush) {
    items = env.config;
  } else {
    items.emplace_back("imago-config-key", ConfigKey(env, plan.release));
    items.emplace_back("startup-script", kPullLoader);
  }
  items.emplace_back("imago-ports", ports);
  if (!plan.secret_values.empty()) {
    // Names only; the values stay in the bundle, for the metadata server.
    std::string names;
    for (const auto& [name, value] : plan.secret_values) names += (names.empty() ? "" : " ") + name;
    items.emplace_back(secrets::kBundleKey, plan.instance_template);
    items.emplace_back(secrets::kNamesKey, names);
  }
  return compute::OperationStatus(svc_.instance_templates().Insert(env.project, t, {}));
}

Status Deployer::EnsureGroup(const Environment& env, const Plan& plan, const std::string& group) {
  auto& igms = svc_.instance_group_managers();
  const std::string tmpl_link =
      compute::GlobalPath(env.project, "instanceTemplates", plan.instance_template);
  auto got = igms.Get(env.project, env.zone, group);
  if (!got.ok() && !IsNotFound(got.status())) return got.status();
  if (!got.ok()) {
    compute::InstanceGroupManager g;
    g.name = group;
    g.description = fmt::format("imago: {} in {}", env.service, env.name);
    // A stateful group's VMs are numbered, so that data a clone made
    // beforehand (PREFIX-001-DEVICE) is the data its first VM reattaches.
    g.base_instance_name = env.data_disks.empty() ? group : StatefulBaseName(group);
    g.instance_template = tmpl_link;
    g.target_size = plan.size;
    g.auto_healing_policies = {
        {compute::GlobalPath(env.project, "healthChecks", plan.instance_template),
         env.health.initial_delay_sec}};
    g.update_policy.type = "PROACTIVE";
    g.update_policy.minimal_action = "REPLACE";
    g.update_policy.max_surge = compute::FixedOrPercent{env.max_surge, std::nullopt, 0};
    g.update_policy.max_unavailable = compute::FixedOrPercent{env.max_unavailable, std::nullopt, 0};
    if (!env.data_disks.empty()) {
      g.update_policy.replacement_method = "RECREATE";
      g.extra["statefulPolicy"] = StatefulPolicy(env);
    }
    IMAGO_RETURN_IF_ERROR(compute::OperationStatus(igms.Insert(env.project, env.zone, g, {})));
  } else {
    // Exists: bring it to the plan's template and size (rolling, a warm
    // rollback, or a rerun).
    bool same_template = compute::LastSegment(got->instance_template) == plan.instance_template &&
                         got->versions.size() <= 1;
    if (!same_template) {
      Json patch = {{"versions", Json::array({{{"name", fmt::format("v{:03d}", plan.release)},
                                               {"instanceTemplate", tmpl_link}}})},
                    {"instanceTemplate", tmpl_link},
                    {"autoHealingPolicies",
                     Json::array({{{"healthCheck", compute::GlobalPath(env.project, "healthChecks",
                                                                       plan.instance_template)},
                                   {"initialDelaySec", env.health.initial_delay_sec}}})},
                    {"updatePolicy",
                     {{"type", "PROACTIVE"},
                      {"minimalAction", "REPLACE"},
                      {"maxSurge", {{"fixed", env.max_surge}}},
                      {"maxUnavailable", {{"fixed", env.max_unavailable}}}}}};
      if (!env.data_disks.empty()) {
        patch["updatePolicy"]["replacementMethod"] = "RECREATE";
        patch["statefulPolicy"] = StatefulPolicy(env);
      }
      IMAGO_RETURN_IF_ERROR(
          compute::OperationStatus(igms.Patch(env.project, env.zone, group, patch, {})));
    }
    if (!env.autoscaling && got->target_size.value_or(0) != plan.size) {
      IMAGO_RETURN_IF_ERROR(
          compute::OperationStatus(igms.Resize(env.project, env.zone, group, plan.size, {})));
    }
  }
  // The port the backend service's portName means (instanceGroups.setNamedPorts:
  // a group's namedPorts are output only, as on GCE).
  auto ig = svc_.instance_groups().Get(env.project, env.zone, group);
  if (!ig.ok()) return ig.status();
  bool named = ig->named_ports.size() == 1 && ig->named_ports[0].name == "http" &&
               ig->named_ports[0].port == env.port;
  if (!named) {
    IMAGO_RETURN_IF_ERROR(compute::OperationStatus(svc_.instance_groups().SetNamedPorts(
        env.project, env.zone, group, {{"http", env.port}}, ig->fingerprint, {})));
  }
  if (env.autoscaling) {
    auto a = svc_.autoscalers().Get(env.project, env.zone, group);
    if (!a.ok() && IsNotFound(a.status())) {
      compute::Autoscaler as;
      as.name = group;
      as.target = compute::ZonalPath(env.project, env.zone, "instanceGroupManagers", group);
      as.policy.min_num_replicas = env.autoscaling->min;
      as.policy.max_num_replicas = env.autoscaling->max;
      as.policy.cpu_utilization_target = env.autoscaling->cpu_target;
      IMAGO_RETURN_IF_ERROR(
          compute::OperationStatus(svc_.autoscalers().Insert(env.project, env.zone, as, {})));
    } else if (!a.ok()) {
      return a.status();
    }
  }
  return Status::OK();
}

Status Deployer::EnsureLoadBalancer(const Environment& env, const std::string& group,
                                    const std::string& warm, bool add_only,
                                    const std::string& health_check) {
  const std::string name = env.Prefix();
  const std::string hc_link = compute::GlobalPath(env.project, "healthChecks", health_check);
  auto link = [&](const std::string& g) {
    return compute::ZonalPath(env.project, env.zone, "instanceGroups", g);
  };
  // The serving group at full capacity; the kept one, when there is one, at
  // capacityScaler 0: drained, but still health-checked by the load
  // balancer, so that a rollback switches back at once.
  std::vector<std::pair<std::string, double>> want = {{group, 1.0}};
  if (!warm.empty() && warm != group &&
      svc_.instance_group_managers().Get(env.project, env.zone, warm).ok()) {
    want.emplace_back(warm, 0.0);
  }
  auto bs = svc_.backend_services().Get(env.project, name);
  if (!bs.ok() && !IsNotFound(bs.status())) return bs.status();
  if (bs.ok() && add_only) {
    // Make before break: the group joins at full capacity beside what serves.
    want = {{group, 1.0}};
    for (const auto& b : bs->backends) {
      if (compute::LastSegment(b.group) != group) {
        want.emplace_back(compute::LastSegment(b.group), b.capacity_scaler.value_or(1));
      }
    }
  }
  if (!bs.ok()) {
    compute::BackendService b;
    b.name = name;
    b.description = fmt::format("imago: {} in {}", env.service, env.name);
    b.port_name = "http";
    b.health_checks = {hc_link};
    b.draining_timeout_sec = 10;
    for (const auto& [g, scaler] : want) {
      compute::Backend be;
      be.group = link(g);
      be.capacity_scaler = scaler;
      b.backends.push_back(be);
    }
    IMAGO_RETURN_IF_ERROR(
        compute::OperationStatus(svc_.backend_services().Insert(env.project, b, {})));
  } else {
    bool same = bs->backends.size() == want.size() && bs->health_checks.size() == 1 &&
                compute::LastSegment(bs->health_checks[0]) == health_check;
    for (size_t i = 0; same && i < want.size(); ++i) {
      same = compute::LastSegment(bs->backends[i].group) == want[i].first &&
             bs->backends[i].capacity_scaler.value_or(1) == want[i].second;
    }
    if (!same) {
      // One patch: the balancer adds the new servers before it drains the old.
      Json backends = Json::array();
      for (const auto& [g, scaler] : want) {
        backends.push_back({{"group", link(g)}, {"capacityScaler", scaler}});
      }
      Json patch = {{"backends", backends},
                    {"healthChecks", Json::array({hc_link})},
                    {"fingerprint", bs->fingerprint}};
      IMAGO_RETURN_IF_ERROR(
          compute::OperationStatus(svc_.backend_services().Patch(env.project, name, patch, {})));
    }
  }
  if (!svc_.url_maps().Get(env.project, name).ok()) {
    compute::UrlMap m;
    m.name = name;
    m.default_service = compute::GlobalPath(env.project, "backendServices", name);
    IMAGO_RETURN_IF_ERROR(compute::OperationStatus(svc_.url_maps().Insert(env.project, m, {})));
  }
  if (!svc_.target_http_proxies().Get(env.project, name).ok()) {
    compute::TargetHttpProxy p;
    p.name = name;
    p.url_map = compute::GlobalPath(env.project, "urlMaps", name);
    IMAGO_RETURN_IF_ERROR(
        compute::OperationStatus(svc_.target_http_proxies().Insert(env.project, p, {})));
  }
  if (!svc_.global_forwarding_rules().Get(env.project, name).ok()) {
    compute::ForwardingRule r;
    r.name = name;
    r.target = compute::GlobalPath(env.project, "targetHttpProxies", name);
    r.port_range = std::to_string(env.lb_port);
    IMAGO_RETURN_IF_ERROR(
        compute::OperationStatus(svc_.global_forwarding_rules().Insert(env.project, r, {})));
  }
  return Status::OK();
}

Status Deployer::DeleteGroup(const Environment& env, const std::string& group) {
  // Out of the backend service first (a group in use cannot be deleted).
  auto bs = svc_.backend_services().Get(env.project, env.Prefix());
  if (bs.ok()) {
    Json backends = Json::array();
    bool found = false;
    for (const auto& b : bs->backends) {
      if (compute::LastSegment(b.group) == group) {
        found = true;
        continue;
      }
      backends.push_back({{"group", b.group}, {"capacityScaler", b.capacity_scaler.value_or(1)}});
    }
    if (found && backends.empty()) {
      return Status::ResourceInUse(
          fmt::format("The group {} is the only backend of {}; deploy another release first.",
                      group, env.Prefix()));
    }
    if (found) {
      Json patch = {{"backends", backends}, {"fingerprint", bs->fingerprint}};
      IMAGO_RETURN_IF_ERROR(compute::OperationStatus(
          svc_.backend_services().Patch(env.project, env.Prefix(), patch, {})));
    }
  }
  auto a = svc_.autoscalers().Delete(env.project, env.zone, group, {});
  if (!a.ok() && !IsNotFound(a.status())) return a.status();
  auto d = svc_.instance_group_managers().Delete(env.project, env.zone, group, {});
  if (!d.ok() && !IsNotFound(d.status())) return d.status();
  return d.ok() ? compute::OperationStatus(d) : Status::OK();
}

// ---------------------------------------------------------------- waits

Status Deployer::WaitHealthy(const Environment& env, const std::string& group, int want,
                             const std::string& tmpl, int64_t deadline_us, bool was_serving,
                             const Listener& l, const std::atomic<bool>* cancel, HealthWait* w) {
  *w = HealthWait{};
  const int64_t start = SteadyUs();
  // An outage runs from the first poll that finds no healthy instance (or
  // the wait's start) to the first that finds one.
  int64_t down_since = was_serving ? start : -1;
  bool serving = false;
  auto last_shown = std::chrono::steady_clock::time_point{};
  while (true) {
    if (cancel && cancel->load()) return Status::OK();
    auto g = svc_.instance_group_managers().Get(env.project, env.zone, group);
    if (!g.ok()) return g.status();
    auto mis = svc_.instance_group_managers().ListManagedInstances(env.project, env.zone, group);
    if (!mis.ok()) return mis.status();
    int good = 0, verifying = 0, other_template = 0, any_good = 0;
    std::vector<std::string> bad;
    for (const auto& mi : *mis) {
      bool ours = tmpl.empty() || compute::LastSegment(mi.instance_template) == tmpl;
      any_good += mi.instance_status == "RUNNING" && mi.health_state == "HEALTHY";
      if (!ours) {
        ++other_template;
        continue;
      }
      if (mi.instance_status == "RUNNING" && mi.health_state == "HEALTHY") {
        ++good;
      } else {
        if (mi.current_action == "VERIFYING") ++verifying;
        bad.push_back(fmt::format("{} {}{}", compute::LastSegment(mi.instance),
                                  mi.instance_status.empty() ? "CREATING" : mi.instance_status,
                                  mi.health_state.empty() ? "" : " " + mi.health_state));
      }
    }
    const int64_t now_us = SteadyUs();
    if (any_good == 0 && (serving || was_serving) && down_since < 0) down_since = now_us;
    if (any_good > 0) {
      if (down_since >= 0) {
        w->outage_sec += static_cast<double>(now_us - down_since) / compute::kMicrosPerSecond;
      }
      down_since = -1;
      serving = true;
    }
    bool stable = g->status.value("isStable", false);
    const int target = env.autoscaling ? std::max(want, g->target_size.value_or(want)) : want;
    const double secs = static_cast<double>(now_us - start) / compute::kMicrosPerSecond;
    if (good >= target && other_template == 0 && stable) {
      w->healthy = true;
      if (l.step) l.step(fmt::format("{}: {}/{} healthy in {:.0f} s", group, good, target, secs));
      return Status::OK();
    }
    auto now = std::chrono::steady_clock::now();
    if (l.waiting && now - last_shown >= std::chrono::seconds(1)) {
      last_shown = now;
      l.waiting(fmt::format(
          "{}: {}/{} healthy{}{}  [{:.0f} s]", group, good, target,
          verifying ? fmt::format(", {} verifying", verifying) : "",
          other_template ? fmt::format(", {} of the previous template", other_template) : "",
          secs));
    }
    if (SteadyUs() >= deadline_us) {
      std::string errors;
      auto errs = svc_.instance_group_managers().ListErrors(env.project, env.zone, group);
      if (errs.ok() && !errs->empty()) errors = "; last error: " + errs->back().message;
      w->why = fmt::format(
          "{}/{} instances of {} healthy after {:.0f} s ({}{})", good, target, group, secs,
          bad.empty() ? "the group is not stable" : fmt::format("{}", fmt::join(bad, ", ")),
          errors);
      return Status::OK();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms_));
  }
}

Status Deployer::WaitServing(const Environment& env, const std::string& group, int want,
                             const Listener& l, const std::atomic<bool>* cancel, bool* serving) {
  *serving = false;
  const std::string link = compute::ZonalPath(env.project, env.zone, "instanceGroups", group);
  // The balancer probes with the same check: a few rounds of it.
  const int64_t limit = (env.health.interval_sec * (env.health.healthy_threshold + 2) + 30) *
                        compute::kMicrosPerSecond;
  const int64_t end = SteadyUs() + limit;
  while (true) {
    if (cancel && cancel->load()) return Status::OK();
    auto h = svc_.backend_services().GetHealth(env.project, env.Prefix(), link);
    int good = 0;
    if (h.ok()) {
      for (const auto& s : h->health_status) good += s.health_state == "HEALTHY";
    }
    if (good >= want) {
      *serving = true;
      if (l.step)
        l.step(fmt::format("load balancer {} sends to {} ({} healthy)", env.Prefix(), group, good));
      return Status::OK();
    }
    if (SteadyUs() >= end) return Status::OK();
    if (l.waiting) l.waiting(fmt::format("load balancer: {}/{} of {} serving", good, want, group));
    // The balancer acts within a second: look more often than the groups.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::max(50, poll_ms_ / 5)));
  }
}

void Deployer::WaitRetired(const Environment& env, const std::string& group, const Listener& l,
                           const std::atomic<bool>* cancel) {
  constexpr int64_t kRetireWaitSec = 10;
  const std::string link = compute::ZonalPath(env.project, env.zone, "instanceGroups", group);
  const int64_t end = SteadyUs() + kRetireWaitSec * compute::kMicrosPerSecond;
  while (!(cancel && cancel->load())) {
    auto h = svc_.backend_services().GetHealth(env.project, env.Prefix(), link);
    int taking = 0;
    if (h.ok()) {
      for (const auto& s : h->health_status) taking += s.health_state == "HEALTHY";
    }
    if (h.ok() && taking == 0) {
      if (l.step)
        l.step(fmt::format("load balancer {}: {} takes no new request", env.Prefix(), group));
      return;
    }
    if (SteadyUs() >= end) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::max(50, poll_ms_ / 5)));
  }
}

// ---------------------------------------------------------------- apply

Result<Release> Deployer::Record(const Environment& env, int number,
                                 const std::function<void(Release*)>& edit,
                                 const std::function<void(std::vector<Release>*)>& others) {
  ReleaseLedger ledger(svc_.projects(), env.project, env.service, env.name);
  Release out;
  Status st = ledger.Update(
      [&](std::vector<Release>* rs, std::vector<std::pair<std::string, std::string>>*) -> Status {
        Release* r = nullptr;
        for (auto& x : *rs) {
          if (x.number == number) r = &x;
        }
        if (!r) return Status::Internal(fmt::format("release {} is not in the ledger", number));
        edit(r);
        out = *r;
        if (others) others(rs);
        return Status::OK();
      });
  if (!st.ok()) return st;
  return out;
}

Result<DeployResult> Deployer::Apply(const Environment& env, const Plan& plan, const Listener& l,
                                     const std::atomic<bool>* cancel) {
  DeployResult res;
  if (!plan.changes()) {
    // Converge what the release stands on, should someone have changed it.
    IMAGO_RETURN_IF_ERROR(EnsureHealthCheck(env, plan.instance_template));
    auto releases = Releases(env);
    if (!releases.ok()) return releases.status();
    if (env.kind == Kind::kGroup) {
      IMAGO_RETURN_IF_ERROR(EnsureGroup(env, plan, plan.group));
      const Release* kept = Last(*releases, state::kDisabled);
      IMAGO_RETURN_IF_ERROR(EnsureLoadBalancer(env, plan.group, kept ? kept->group : "", false,
                                               plan.instance_template));
    }
    res.message = fmt::format("{}: no changes; release {} serves", env.name, plan.live);
    // The ttl counts from the latest deploy, this one too.
    const std::string expires =
        env.ttl_sec > 0
            ? compute::FormatRfc3339(clock_.Now() + env.ttl_sec * compute::kMicrosPerSecond)
            : "";
    if (!releases->empty() && releases->back().env_expires_at != expires) {
      auto rec =
          Record(env, releases->back().number, [&](Release* r) { r->env_expires_at = expires; });
      if (!rec.ok()) return rec.status();
      if (l.step)
        l.step(expires.empty() ? "no ttl: the environment never expires"
                               : "the environment now expires at " + expires);
    }
    auto reaped = Reap(env);
    if (reaped.ok() && l.step) {
      for (const auto& line : *reaped) l.step(line);
    }
    return res;
  }
  const int64_t start = SteadyUs();
  res.release = plan.release;
  auto step = [&](const std::string& s) {
    if (l.step) l.step(s);
  };

  // 1. The release goes into the ledger first: a run that dies leaves it
  //    DEPLOYING, and the next one finds it.
  ReleaseLedger ledger(svc_.projects(), env.project, env.service, env.name);
  std::vector<std::string> abandoned_groups;
  if (!plan.resume) {
    IMAGO_RETURN_IF_ERROR(
        ledger.Update([&](std::vector<Release>* rs,
                          std::vector<std::pair<std::string, std::string>>* extra) -> Status {
          abandoned_groups.clear();
          for (auto& r : *rs) {
            if (r.number == plan.release) {
              return Status::ConditionNotMet(fmt::format(
                  "Release {} of {} was started by another deploy meanwhile; run the command "
                  "again.",
                  plan.release, env.name));
            }
            if (r.state == state::kDeploying) {
              r.state = state::kFailed;
              r.result = fmt::format("abandoned: release {} replaced it", plan.release);
              r.finished = Now();
              if (r.group != plan.live_group && r.group != plan.group) {
                abandoned_groups.push_back(r.group);
              }
            }
          }
          Release r;
          r.number = plan.release;
          r.service = env.service;
          r.env = env.name;
          r.zone = env.zone;
          r.kind = plan.action;
          r.state = state::kDeploying;
          r.started = Now();
          r.who = who_;
          r.image = plan.image;
          r.image_id = plan.image_id;
          r.image_digest = plan.image_digest;
          r.why = plan.why;
          r.instance_template = plan.instance_template;
          r.group = plan.group;
          r.instance = plan.instance;
          r.strategy = StrategyName(plan.strategy);
          r.model = ModelName(plan.model);
          r.config_hash = plan.config_hash;
          r.size = plan.size;
          r.owner = fmt::format("{} pid {}", who_, getpid());
          if (env.ttl_sec > 0) {
            r.env_expires_at =
                compute::FormatRfc3339(clock_.Now() + env.ttl_sec * compute::kMicrosPerSecond);
          }
          if (!plan.config_key.empty()) {
            r.config_key = plan.config_key;  // A rollback: the kept release's configuration.
          } else if (plan.model == Model::kPull || !plan.instance.empty()) {
            // Pull: what the VMs fetch. kind: instance: what a rollback
            // gives the VM again (it has no template to keep it).
            r.config_key = ConfigKey(env, plan.release);
            extra->emplace_back(r.config_key, PullConfig(env));
          }
          rs->push_back(std::move(r));
          return Status::OK();
        }));
    step(fmt::format("release {} recorded in the ledger ({})", plan.release,
                     lifecycle::LedgerKey(env.service, env.name)));
  }
  for (const auto& g : abandoned_groups) {
    step("release of group " + g + " abandoned; it is deleted once this release serves");
  }
  if (!plan.instance.empty()) return ApplyVm(env, plan, start, l, cancel);

  // 2. What the release runs on.
  IMAGO_RETURN_IF_ERROR(EnsureHealthCheck(env, plan.instance_template, ReusesRelease(env, plan)));
  if (!plan.secret_values.empty()) {
    // Before the template: no instance of it may boot without its secrets.
    if (!bundles_) return Status::Invalid("secrets: this cloud cannot hand secrets to VMs");
    IMAGO_RETURN_IF_ERROR(bundles_->Put(env.project, plan.instance_template, plan.secret_values));
    step(fmt::format("{} secret(s) kept for the guests of {} (never in metadata)",
                     plan.secret_values.size(), plan.instance_template));
  }
  IMAGO_RETURN_IF_ERROR(EnsureTemplate(env, plan));
  step("instance template " + plan.instance_template + " ready");
  IMAGO_RETURN_IF_ERROR(EnsureGroup(env, plan, plan.group));
  step(fmt::format("group {} at {} instance(s) of {}", plan.group, plan.size,
                   plan.instance_template));

  // 3. Health-gated: nothing serves it before all of it is healthy. A
  //    release into the group that serves (rolling, stateful) has its
  //    downtime measured: the time no instance of the group was healthy.
  const bool in_place = !plan.live_group.empty() && plan.live_group == plan.group;
  HealthWait wait;
  IMAGO_RETURN_IF_ERROR(WaitHealthy(
      env, plan.group, plan.size, plan.strategy == Strategy::kRolling ? plan.instance_template : "",
      start + env.timeout_sec * compute::kMicrosPerSecond, in_place, l, cancel, &wait));
  auto seconds = [&] {
    return static_cast<double>(SteadyUs() - start) / compute::kMicrosPerSecond;
  };
  if (cancel && cancel->load()) return Interrupted(plan.release, seconds());
  if (!wait.healthy) return Fail(env, plan, wait.why, start, l);
  if (in_place) {
    res.downtime_sec = wait.outage_sec;
    step(wait.outage_sec > 0
             ? fmt::format("{}: no healthy instance for {:.1f} s (downtime, as polled every {} ms)",
                           plan.group, wait.outage_sec, poll_ms_)
             : fmt::format("{}: no downtime (an instance was healthy at every poll)", plan.group));
  }

  // 4. Traffic: the backend service sends to the new group only now.
  const std::string warm = plan.strategy == Strategy::kRedBlack ? plan.live_group : "";
  IMAGO_RETURN_IF_ERROR(
      EnsureLoadBalancer(env, plan.group, warm, /*add_only=*/true, plan.instance_template));
  bool serving = false;
  IMAGO_RETURN_IF_ERROR(WaitServing(env, plan.group, plan.size, l, cancel, &serving));
  // Then the previous group leaves: drained, kept health-checked (capacityScaler 0).
  if (!cancel || !cancel->load()) {
    IMAGO_RETURN_IF_ERROR(
        EnsureLoadBalancer(env, plan.group, warm, /*add_only=*/false, plan.instance_template));
    if (!warm.empty() && warm != plan.group && serving) WaitRetired(env, warm, l, cancel);
  }
  if (cancel && cancel->load()) return Interrupted(plan.release, seconds());
  if (!serving) {
    step("the load balancer does not see " + plan.group + " healthy yet; it keeps checking");
  }

  // 5. Recorded: the new release is live, the previous one disabled (kept warm).
  const std::string now = Now();
  const std::string expires =
      compute::FormatRfc3339(clock_.Now() + env.keep_previous_sec * compute::kMicrosPerSecond);
  auto rec = Record(
      env, plan.release,
      [&](Release* r) {
        r->state = state::kLive;
        r->finished = now;
        r->seconds = seconds();
        r->result = fmt::format("healthy {}/{}", plan.size, plan.size);
        r->owner.clear();
      },
      [&](std::vector<Release>* rs) {
        for (auto& r : *rs) {
          if (r.number == plan.release) continue;
          if (r.state == state::kLive) {
            if (r.group == plan.group) {
              r.state = state::kSuperseded;  // Rolling: the same group runs the new release.
            } else {
              r.state = state::kDisabled;
              r.disabled_at = now;
              r.expires_at = expires;
            }
          } else if (plan.warm && r.group == plan.group &&
                     (r.state == state::kDisabled || r.state == state::kLive)) {
            r.state = state::kSuperseded;  // Its group passed to the rollback's release.
            r.expires_at.clear();
          }
        }
      });
  if (!rec.ok()) return rec.status();
  if (!plan.live_group.empty() && plan.live_group != plan.group) {
    step(fmt::format("group {} disabled: out of the load balancer, kept warm until {}",
                     plan.live_group, expires));
  }
  res.outcome = Outcome::kLive;
  res.seconds = seconds();
  res.message = fmt::format("{}: release {} live ({}, {} healthy instance(s)) in {:.0f} s",
                            env.name, plan.release, plan.image, plan.size, res.seconds);
  auto reaped = Reap(env);
  if (reaped.ok()) {
    for (const auto& line : *reaped) step(line);
  }
  return res;
}

Result<DeployResult> Deployer::Fail(const Environment& env, const Plan& plan,
                                    const std::string& why, int64_t start, const Listener& l) {
  DeployResult res;
  res.release = plan.release;
  auto step = [&](const std::string& s) {
    if (l.step) l.step(s);
  };
  std::string result;
  if (!env.rollback_on_failure) {
    res.outcome = Outcome::kLeftFailed;
    result = "health check failed: " + why + "; left for inspection";
    res.message = fmt::format(
        "{}: release {} failed its health check ({}); left as it is for inspection "
        "(rollback_on_failure: false){}",
        env.name, plan.release, why,
        plan.live ? fmt::format("; release {} still serves", plan.live) : "");
  } else if (plan.strategy == Strategy::kRedBlack) {
    // The previous group never left the load balancer: delete the new one.
    if (!plan.warm) {
      IMAGO_RETURN_IF_ERROR(DeleteGroup(env, plan.group));
      IMAGO_RETURN_IF_ERROR(DeleteTemplate(env.project, plan.instance_template));
      auto h = svc_.health_checks().Delete(env.project, plan.instance_template, {});
      if (!h.ok() && !IsNotFound(h.status())) return h.status();
      step("deleted group, template and health check " + plan.group + " of the failed release");
    }
    res.outcome = Outcome::kRolledBack;
    result = "health check failed: " + why + "; rolled back";
    res.message = fmt::format(
        "{}: release {} failed its health check ({}); rolled back: {}", env.name, plan.release, why,
        plan.live ? fmt::format("release {} still serves, untouched", plan.live)
                  : std::string("nothing served before, nothing serves now"));
  } else {
    // Rolling: the group goes back to the live release's template.
    if (!plan.live_template.empty() && plan.live_template != plan.instance_template) {
      Plan back = plan;
      back.instance_template = plan.live_template;
      IMAGO_RETURN_IF_ERROR(EnsureGroup(env, back, plan.group));
      step("group " + plan.group + " rolling back to " + plan.live_template);
      res.outcome = Outcome::kRolledBack;
      result = "health check failed: " + why + "; rolled back to " + plan.live_template;
      res.message = fmt::format(
          "{}: release {} failed its health check ({}); rolled back: group {} returns to {} "
          "(release {})",
          env.name, plan.release, why, plan.group, plan.live_template, plan.live);
    } else {
      IMAGO_RETURN_IF_ERROR(DeleteGroup(env, plan.group));
      res.outcome = Outcome::kRolledBack;
      result = "health check failed: " + why + "; rolled back (group deleted)";
      res.message = fmt::format(
          "{}: release {} failed its health check ({}); rolled back: nothing served before, "
          "the group was deleted",
          env.name, plan.release, why);
    }
  }
  auto secs = RecordFailed(
      env, plan.release, start, result,
      res.outcome == Outcome::kRolledBack && plan.strategy == Strategy::kRedBlack && !plan.warm);
  if (!secs.ok()) return secs.status();
  res.seconds = *secs;
  return res;
}

DeployResult Deployer::Interrupted(int release, double seconds) {
  DeployResult res;
  res.outcome = Outcome::kCancelled;
  res.release = release;
  res.seconds = seconds;
  res.message = fmt::format(
      "interrupted: release {} is still DEPLOYING; run the same command again to continue",
      release);
  return res;
}

Result<double> Deployer::RecordFailed(const Environment& env, int release, int64_t start,
                                      const std::string& result, bool cleaned) {
  const double secs = static_cast<double>(SteadyUs() - start) / compute::kMicrosPerSecond;
  auto rec = Record(env, release, [&](Release* r) {
    r->state = state::kFailed;
    r->finished = Now();
    r->seconds = secs;
    r->result = result;
    r->owner.clear();
    r->cleaned = cleaned;
  });
  if (!rec.ok()) return rec.status();
  return secs;
}

// ---------------------------------------------------------------- reaping

Result<std::vector<std::string>> Deployer::Reap(const Environment& env) {
  std::vector<std::string> did;
  auto releases = Releases(env);
  if (!releases.ok()) return releases.status();
  const int64_t now = clock_.Now();
  const Release* newest_disabled = nullptr;
  const Release* newest_superseded = nullptr;
  for (const auto& r : *releases) {
    if (r.state == state::kDisabled) newest_disabled = &r;
    if (r.state == state::kSuperseded) newest_superseded = &r;
  }
  const bool something_live = Last(*releases, state::kLive) != nullptr;
  // First what goes, then what something kept still needs (a group, a
  // template or a pull configuration can pass from release to release).
  std::vector<const Release*> reap;
  std::set<std::string> keep_groups, keep_templates, keep_keys;
  for (const auto& r : *releases) {
    bool go = false;
    if (r.state == state::kDisabled) {
      auto exp = compute::ParseTimestamp(r.expires_at);
      go = (exp && *exp <= now) || &r != newest_disabled;
    } else if (r.state == state::kFailed) {
      go = something_live && !r.cleaned;
    } else if (r.state == state::kSuperseded) {
      go = &r != newest_superseded;  // Rolling: the last one's template stays for a rollback.
    } else if (r.state == state::kRetired) {
      continue;
    }
    if (go) {
      reap.push_back(&r);
      continue;
    }
    if (r.state != state::kFailed) {
      if (r.state != state::kSuperseded || env.strategy == Strategy::kRedBlack) {
        keep_groups.insert(r.group);
      }
      keep_templates.insert(r.instance_template);
      keep_keys.insert(r.config_key);
    }
  }
  std::vector<int> retired, cleaned;
  std::vector<std::string> dropped_keys;
  for (const Release* r : reap) {
    bool gone = true;
    if (!r->group.empty() && !keep_groups.count(r->group) &&
        svc_.instance_group_managers().Get(env.project, env.zone, r->group).ok()) {
      (void)svc_.instance_group_managers().Resize(env.project, env.zone, r->group, 0, {});
      Status st = DeleteGroup(env, r->group);
      if (st.ok()) {
        did.push_back(
            fmt::format("deleted group {} (release {}: {})", r->group, r->number,
                        r->state == state::kDisabled ? "its retention ended" : "no longer needed"));
      } else {
        gone = false;
      }
    }
    if (!r->instance_template.empty() && !keep_templates.count(r->instance_template)) {
      bool existed = svc_.instance_templates().Get(env.project, r->instance_template).ok();
      Status t = DeleteTemplate(env.project, r->instance_template);
      if (!t.ok()) {
        gone = false;  // Still in use (its group is being deleted): the next reap retries.
      } else if (existed) {
        did.push_back("deleted instance template " + r->instance_template);
      }
      auto h = svc_.health_checks().Delete(env.project, r->instance_template, {});
      if (!h.ok() && !IsNotFound(h.status())) gone = false;
    }
    if (!gone) continue;
    (r->state == state::kFailed ? cleaned : retired).push_back(r->number);
    if (!r->config_key.empty() && !keep_keys.count(r->config_key)) {
      dropped_keys.push_back(r->config_key);
    }
  }
  if (retired.empty() && cleaned.empty() && dropped_keys.empty()) return did;
  auto has = [](const std::vector<int>& v, int n) {
    return std::find(v.begin(), v.end(), n) != v.end();
  };
  ReleaseLedger ledger(svc_.projects(), env.project, env.service, env.name);
  IMAGO_RETURN_IF_ERROR(
      ledger.Update([&](std::vector<Release>* rs,
                        std::vector<std::pair<std::string, std::string>>* extra) -> Status {
        for (auto& r : *rs) {
          if (has(retired, r.number)) r.state = state::kRetired;
          if (has(cleaned, r.number)) r.cleaned = true;
        }
        std::erase_if(*extra, [&](const auto& kv) {
          return std::find(dropped_keys.begin(), dropped_keys.end(), kv.first) !=
                 dropped_keys.end();
        });
        return Status::OK();
      }));
  return did;
}

Result<std::vector<std::string>> ReapAll(compute::Service& svc, const compute::Clock& clock,
                                         const std::string& project,
                                         secrets::BundleStore* bundles) {
  auto p = svc.projects().Get(project);
  if (!p.ok()) return p.status();
  std::vector<std::string> did;
  Deployer d(svc, clock, "imago-controller");
  if (bundles) d.set_secrets(bundles, {});
  // Templates a deploy is making now: their bundle is written first.
  std::set<std::string> deploying;
  for (const auto& [key, releases] : lifecycle::AllLedgers(p->common_instance_metadata.items)) {
    for (const auto& r : releases) {
      if (r.state == state::kDeploying) deploying.insert(r.instance_template);
      // A kind: instance release has no template: its bundle is kept while
      // the release is (its VM or a rollback may name it).
      if (!r.instance.empty() && r.state != state::kRetired && r.state != state::kFailed) {
        deploying.insert(r.instance_template);
      }
    }
  }
  for (const auto& [key, releases] : lifecycle::AllLedgers(p->common_instance_metadata.items)) {
    if (releases.empty()) continue;
    const Release& last = releases.back();
    if (last.service.empty() || last.env.empty() || last.zone.empty()) continue;
    Environment env;
    env.service = last.service;
    env.name = last.env;
    env.project = project;
    env.zone = last.zone;
    env.strategy = last.strategy == "rolling"   ? Strategy::kRolling
                   : last.strategy == "replace" ? Strategy::kReplace
                                                : Strategy::kRedBlack;
    if (!last.instance.empty()) env.kind = Kind::kInstance;
    auto r = d.Reap(env);
    if (!r.ok()) return r.status();
    for (auto& line : *r) did.push_back(env.Prefix() + ": " + line);
  }
  // A bundle whose template is gone (deleted by hand, or a run killed
  // between the two deletes) and that no deploy is making.
  if (bundles) {
    for (const auto& name : bundles->List(project)) {
      if (deploying.count(name)) continue;
      // A deploy writes its bundle just before its template: one written in
      // the last 10 minutes may belong to a deploy this read did not see.
      if (time(nullptr) - bundles->WrittenAt(project, name) < 600) continue;
      auto t = svc.instance_templates().Get(project, name);
      if (t.ok() || !IsNotFound(t.status())) continue;
      if (bundles->Remove(project, name).ok()) {
        did.push_back("deleted the secrets of " + name + " (its template is gone)");
      }
    }
  }
  return did;
}

}  // namespace imago::deploy
