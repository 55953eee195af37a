// kind: instance environments (docs/data.md): one VM named SERVICE-ENV, no
// group and no load balancer. A release makes the VM, or replaces it by the
// plain pattern of deploy/replace.h (stop, detach the data disks, a new VM
// from the new image, attach, start), and waits until it passes the
// environment's health check; the ledger records it as it does a group's.
// A release's configuration is kept in the project's metadata (as a pull
// release's is), so that a rollback gives the VM exactly that again.
#include <algorithm>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "compute/resource_ref.h"
#include "deploy/clone_data.h"
#include "deploy/deployer.h"
#include "deploy/release_util.h"
#include "deploy/replace.h"
#include "groups/health_prober.h"

namespace imago::deploy {

using compute::Code;
using compute::Result;
using compute::Status;
using lifecycle::Release;
using lifecycle::ReleaseLedger;
namespace state = lifecycle::release_state;

namespace {

/// The data disk `device` of a kind: instance environment: SERVICE-ENV-DEVICE.
std::string VmDiskName(const Environment& env, const std::string& device) {
  return DataVmName(env, 1) + "-" + device;
}

std::string DiskImageName(compute::Service& svc, const std::string& project,
                          const std::string& zone, const compute::Instance& in) {
  for (const auto& d : in.disks) {
    if (!d.boot) continue;
    auto disk = svc.disks().Get(project, zone, compute::LastSegment(d.source));
    if (disk.ok()) return compute::LastSegment(disk->source_image);
  }
  return "?";
}

}  // namespace

Result<bool> Deployer::VmRuns(const Environment& env, int number) {
  auto in = svc_.instances().Get(env.project, env.zone, env.Prefix());
  if (!in.ok()) {
    if (in.status().code() == Code::kNotFound) return false;
    return in.status();
  }
  auto label = [&](const char* k) {
    auto it = in->labels.find(k);
    return it == in->labels.end() ? std::string() : it->second;
  };
  if (label("imago-service") != env.service || label("imago-env") != env.name) {
    return Status::Invalid(fmt::format(
        "{}: instance {} exists and is not this environment's VM (it lacks the labels "
        "imago-service={}, imago-env={}); delete or rename it first, or replace it by hand "
        "(imago instances replace)",
        env.file, env.Prefix(), env.service, env.name));
  }
  return number > 0 && label("imago-release") == std::to_string(number);
}

Status Deployer::CheckVmDisks(const Environment& env) {
  for (const auto& dd : env.data_disks) {
    const std::string disk = VmDiskName(env, dd.device);
    auto got = svc_.disks().Get(env.project, env.zone, disk);
    if (!got.ok()) {
      if (got.status().code() == Code::kNotFound) continue;  // Made by the release.
      return got.status();
    }
    for (const auto& user : got->users) {
      if (compute::LastSegment(user) == env.Prefix()) continue;
      return Status::Invalid(fmt::format(
          "{}: the data disk {} is attached to {}; detach it there first (imago instances "
          "detach-disk {} --disk {}); nothing was changed",
          env.file, disk, compute::LastSegment(user), compute::LastSegment(user), disk));
    }
  }
  return Status::OK();
}

void Deployer::PlanVmSteps(const Environment& env, Plan* p) {
  const std::string name = env.Prefix();
  auto in = svc_.instances().Get(env.project, env.zone, name);
  std::vector<std::string> attached;
  if (in.ok()) {
    p->steps.push_back({'-', "instance", name,
                        fmt::format("{}: stopped, then deleted with its boot disk",
                                    DiskImageName(svc_, env.project, env.zone, *in))});
    for (const auto& d : in->disks) {
      if (d.boot) continue;
      attached.push_back(d.device_name);
      p->steps.push_back(
          {'=', "disk", compute::LastSegment(d.source),
           fmt::format("detached and kept, attached to the new {} as {}", name, d.device_name)});
    }
  }
  for (const auto& dd : env.data_disks) {
    if (std::find(attached.begin(), attached.end(), dd.device) != attached.end()) continue;
    const std::string disk = VmDiskName(env, dd.device);
    const bool exists = svc_.disks().Get(env.project, env.zone, disk).ok();
    p->steps.push_back(
        {exists ? '=' : '+', "disk", disk,
         exists ? fmt::format("exists: kept, attached as {}", dd.device)
                : fmt::format("{} GB, attached as {}; kept across releases (only env destroy "
                              "deletes it)",
                              dd.size_gb, dd.device)});
  }
  const size_t secrets = p->secret_values.empty() ? env.secrets.size() : p->secret_values.size();
  p->steps.push_back(
      {'+', "instance", name,
       fmt::format(
           "{}, {}, {} configuration item(s){}{}", p->image, env.machine_type, env.config.size(),
           secrets ? fmt::format(", {} secret(s) handed over at boot", secrets) : "",
           in.ok() ? ", same name and address; the time it does not serve is measured" : "")});
}

Result<ReplaceRequest> Deployer::VmRequest(const Environment& env, const std::string& image,
                                           const std::string& config_key, const std::string& bundle,
                                           int number, int64_t timeout_sec) {
  auto proj = svc_.projects().Get(env.project);
  if (!proj.ok()) return proj.status();
  auto text = proj->common_instance_metadata.Get(config_key);
  if (!text) {
    return Status::NotFound(fmt::format(
        "the configuration of release {} (project metadata {}) is gone; deploy the environment "
        "file again",
        number, config_key));
  }
  auto items = ParsePullConfig(*text);
  if (!items.ok()) return items.status();
  ReplaceRequest req;
  req.project = env.project;
  req.zone = env.zone;
  req.instance = env.Prefix();
  req.image = image;
  req.metadata = std::move(*items);
  std::string ports = std::to_string(env.port);
  if (env.health.port != env.port) ports += "," + std::to_string(env.health.port);
  req.metadata.emplace_back("imago-ports", ports);
  if (bundles_) {
    auto values = bundles_->Get(env.project, bundle);
    if (values.ok() && !values->empty()) {
      // Names only; the values stay in the bundle, for the metadata server.
      std::string names;
      for (const auto& [n, v] : *values) names += (names.empty() ? "" : " ") + n;
      req.metadata.emplace_back(secrets::kBundleKey, bundle);
      req.metadata.emplace_back(secrets::kNamesKey, names);
    }
  }
  req.exact_metadata = true;
  req.deploy = true;
  req.labels = {{"imago-service", env.service},
                {"imago-env", env.name},
                {"imago-release", std::to_string(number)}};
  req.machine_type = env.machine_type;
  // The release's own check (a release that changed it never changes how
  // another is judged); the file's when it is gone.
  auto hc = svc_.health_checks().Get(env.project, bundle);
  req.check = hc.ok() ? *hc : HealthCheckFor(env, bundle);
  req.timeout_sec = timeout_sec;
  for (const auto& dd : env.data_disks) {
    compute::AttachedDisk d;
    d.source = compute::ZonalPath(env.project, env.zone, "disks", VmDiskName(env, dd.device));
    d.device_name = dd.device;
    d.mode = "READ_WRITE";
    d.auto_delete = false;
    req.add_disks.push_back(d);
  }
  return req;
}

Result<bool> Deployer::VmHealthy(const Environment& env, const std::string& check_name) {
  auto in = svc_.instances().Get(env.project, env.zone, env.Prefix());
  if (!in.ok()) return in.status().code() == Code::kNotFound ? Result<bool>(false) : in.status();
  auto hc = svc_.health_checks().Get(env.project, check_name);
  compute::HealthCheck check = hc.ok() ? *hc : HealthCheckFor(env, check_name);
  groups::HostProber prober;
  // A few probes, as a checker's threshold would: one lost packet is not
  // a sick VM.
  if (in->status != "RUNNING") return false;
  for (int i = 0; i < 3; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::seconds(1));
    if (prober.Probe(check, *in)) return true;
  }
  return false;
}

Result<DeployResult> Deployer::ApplyVm(const Environment& env, const Plan& plan, int64_t start,
                                       const Listener& l, const std::atomic<bool>* cancel) {
  DeployResult res;
  res.release = plan.release;
  auto step = [&](const std::string& s) {
    if (l.step) l.step(s);
  };
  auto seconds = [&] {
    return static_cast<double>(SteadyUs() - start) / compute::kMicrosPerSecond;
  };
  auto interrupted = [&] { return Interrupted(plan.release, seconds()); };
  const std::string name = env.Prefix();

  IMAGO_RETURN_IF_ERROR(EnsureHealthCheck(env, plan.instance_template, ReusesRelease(env, plan)));
  if (!plan.secret_values.empty()) {
    // Before the VM: it may not boot without its secrets.
    if (!bundles_) return Status::Invalid("secrets: this cloud cannot hand secrets to VMs");
    IMAGO_RETURN_IF_ERROR(bundles_->Put(env.project, plan.instance_template, plan.secret_values));
    step(fmt::format("{} secret(s) kept for {} (never in metadata)", plan.secret_values.size(),
                     name));
  }
  // Data disks first, labelled as the environment's: a VM made or replaced
  // below only attaches them, and no step but env destroy deletes them. One
  // attached to another VM stops the release before the VM is touched.
  IMAGO_RETURN_IF_ERROR(CheckVmDisks(env));
  for (const auto& dd : env.data_disks) {
    const std::string disk = VmDiskName(env, dd.device);
    auto got = svc_.disks().Get(env.project, env.zone, disk);
    if (got.ok()) continue;
    if (got.status().code() != Code::kNotFound) return got.status();
    compute::Disk d;
    d.name = disk;
    d.size_gb = dd.size_gb;
    d.description =
        fmt::format("imago: data disk {} of {} in {}", dd.device, env.service, env.name);
    d.labels = {{"imago-service", env.service}, {"imago-env", env.name}};
    IMAGO_RETURN_IF_ERROR(
        compute::OperationStatus(svc_.disks().Insert(env.project, env.zone, d, {})));
    step(fmt::format("made data disk {} ({} GB)", disk, dd.size_gb));
  }

  const std::string config_key =
      !plan.config_key.empty() ? plan.config_key : ConfigKey(env, plan.release);
  const int64_t left_sec = std::max<int64_t>(10, env.timeout_sec - static_cast<int64_t>(seconds()));
  auto req = VmRequest(env, plan.image, config_key, plan.instance_template, plan.release, left_sec);
  if (!req.ok()) return req.status();

  auto proj = svc_.projects().Get(env.project);
  if (!proj.ok()) return proj.status();
  const bool recorded = proj->common_instance_metadata.Get(ReplaceKey(env.zone, name)).has_value();
  auto in = svc_.instances().Get(env.project, env.zone, name);
  if (!in.ok() && in.status().code() != Code::kNotFound) return in.status();

  bool healthy = false;
  std::string why;
  if (in.ok() || recorded) {
    // The plain pattern; its own record makes it continue after kill -9.
    auto rp = PlanReplace(svc_, *req);
    if (!rp.ok()) return rp.status();
    if (rp->changes) {
      auto r = ApplyReplace(svc_, clock_, *rp, l, cancel);
      if (!r.ok()) {
        if (cancel && cancel->load()) return interrupted();
        return r.status();
      }
      healthy = r->healthy;
      if (healthy) {
        res.downtime_sec = r->downtime_sec;
        step(r->message);
      } else {
        why = fmt::format("{} did not pass its health check within {} s", name, left_sec);
      }
    }
  }
  if (!in.ok() && !recorded) {
    compute::Instance vm;
    vm.name = name;
    vm.description = fmt::format("imago: {} in {}", env.service, env.name);
    vm.machine_type = env.machine_type;
    compute::AttachedDisk boot;
    boot.boot = true;
    boot.auto_delete = true;
    boot.initialize_params = compute::InitializeParams{};
    boot.initialize_params->source_image = compute::GlobalPath(env.project, "images", plan.image);
    vm.disks.push_back(boot);
    for (const auto& d : req->add_disks) vm.disks.push_back(d);
    vm.metadata.items = req->metadata;
    vm.labels = req->labels;
    IMAGO_RETURN_IF_ERROR(
        compute::OperationStatus(svc_.instances().Insert(env.project, env.zone, vm, {})));
    step(fmt::format("created {} from {} with {} data disk(s)", name, plan.image,
                     req->add_disks.size()));
  }
  if (!healthy && why.empty()) {
    // Made now, or made already by the interrupted run: see it serve.
    auto served = WaitServes(svc_, clock_, env.project, env.zone, name, &*req->check,
                             clock_.Now() + left_sec * compute::kMicrosPerSecond, l, cancel);
    if (!served.ok()) {
      if (cancel && cancel->load()) return interrupted();
      return served.status();
    }
    healthy = *served;
    if (!healthy) {
      why = fmt::format("{} did not pass its health check within {} s", name, left_sec);
    }
  }
  if (!healthy) return FailVm(env, plan, why, start, l);

  const std::string now = Now();
  auto rec = Record(
      env, plan.release,
      [&](Release* r) {
        r->state = state::kLive;
        r->finished = now;
        r->seconds = seconds();
        r->result = "healthy 1/1";
        r->owner.clear();
      },
      [&](std::vector<Release>* rs) {
        for (auto& r : *rs) {
          if (r.number != plan.release && r.state == state::kLive) r.state = state::kSuperseded;
        }
      });
  if (!rec.ok()) return rec.status();
  res.outcome = Outcome::kLive;
  res.seconds = seconds();
  res.message = fmt::format(
      "{}: release {} live ({}, VM {} healthy) in {:.0f} s{}", env.name, plan.release, plan.image,
      name, res.seconds,
      res.downtime_sec >= 0 ? fmt::format("; downtime {:.1f} s", res.downtime_sec) : std::string());
  auto reaped = Reap(env);
  if (reaped.ok()) {
    for (const auto& line : *reaped) step(line);
  }
  return res;
}

Result<DeployResult> Deployer::FailVm(const Environment& env, const Plan& plan,
                                      const std::string& why, int64_t start, const Listener& l) {
  DeployResult res;
  res.release = plan.release;
  auto step = [&](const std::string& s) {
    if (l.step) l.step(s);
  };
  const std::string name = env.Prefix();
  std::string result;
  if (!env.rollback_on_failure) {
    res.outcome = Outcome::kLeftFailed;
    result = "health check failed: " + why + "; left for inspection";
    res.message = fmt::format(
        "{}: release {} failed its health check ({}); {} is left as it is for inspection "
        "(rollback_on_failure: false)",
        env.name, plan.release, why, name);
  } else if (plan.live) {
    // Back to the live release by the same pattern: its image, its kept
    // configuration and secrets.
    auto releases = Releases(env);
    if (!releases.ok()) return releases.status();
    const Release* live = Find(*releases, plan.live);
    if (!live) return Status::Internal(fmt::format("release {} is not in the ledger", plan.live));
    // The release that served gets at least 5 minutes to serve again: a
    // short timeout is for the new release, not for the way back.
    auto req = VmRequest(env, live->image, live->config_key, live->instance_template, live->number,
                         std::max<int64_t>(env.timeout_sec, 300));
    if (!req.ok()) return req.status();
    auto rp = PlanReplace(svc_, *req);
    if (!rp.ok()) return rp.status();
    step(fmt::format("{} goes back to release {} ({})", name, live->number, live->image));
    auto back = ApplyReplace(svc_, clock_, *rp, l, nullptr);
    if (!back.ok()) {
      return Status(back.status().code(),
                    fmt::format("release {} failed ({}) and putting release {} back failed: {}",
                                plan.release, why, live->number, back.status().message()));
    }
    res.outcome = Outcome::kRolledBack;
    result = fmt::format("health check failed: {}; rolled back to release {}", why, live->number);
    res.message = fmt::format(
        "{}: release {} failed its health check ({}); rolled back: {} runs release {} ({}) "
        "again{}",
        env.name, plan.release, why, name, live->number, live->image,
        back->healthy ? fmt::format(", healthy; downtime {:.1f} s", back->downtime_sec)
                      : std::string(", but it does not pass its health check either"));
  } else {
    // Nothing served before: the VM goes, its data disks stay.
    Status st = compute::OperationStatus(svc_.instances().Delete(env.project, env.zone, name, {}));
    if (!st.ok() && st.code() != Code::kNotFound) return st;
    step(fmt::format("deleted {} of the failed release; its data disks are kept", name));
    res.outcome = Outcome::kRolledBack;
    result = "health check failed: " + why + "; rolled back (VM deleted)";
    res.message = fmt::format(
        "{}: release {} failed its health check ({}); rolled back: nothing served before, the "
        "VM was deleted (its data disks are kept)",
        env.name, plan.release, why);
  }
  auto secs = RecordFailed(env, plan.release, start, result, /*cleaned=*/false);
  if (!secs.ok()) return secs.status();
  res.seconds = *secs;
  return res;
}

}  // namespace imago::deploy
