#include "deploy/replace.h"

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "compute/group_codec.h"
#include "compute/resource_ref.h"
#include "compute/vm_codec.h"
#include "groups/health_prober.h"

namespace imago::deploy {

using compute::Result;
using compute::Status;
using Json = nlohmann::json;

namespace {

// Output-only fields of an instance that an insert must not carry.
constexpr const char* kOutputOnly[] = {"kind",           "cpuPlatform",           "startRestricted",
                                       "fingerprint",    "satisfiesPzs",          "satisfiesPzi",
                                       "resourceStatus", "lastSuspendedTimestamp"};

std::string ImageName(const std::string& url) {
  return compute::LastSegment(url);
}

Json ToJsonRecord(const ReplacePlan& p) {
  Json disks = Json::array();
  for (const auto& d : p.data_disks) disks.push_back(compute::ToJson(d));
  return {{"zone", p.zone},
          {"instance", p.instance},
          {"oldId", std::to_string(p.old_id)},
          {"oldImage", p.old_image},
          {"newImage", p.new_image},
          {"why", p.why},
          {"next", compute::ToJson(p.next)},
          {"dataDisks", disks},
          {"protect", p.protect},
          {"metadataChanged", p.metadata_changed},
          {"healthPath", p.health_path},
          {"healthPort", p.health_port},
          {"check", p.check ? compute::ToJson(*p.check) : Json()},
          {"timeoutSec", p.timeout_sec},
          {"stopStartedUs", p.stop_started_us}};
}

Result<ReplacePlan> FromJsonRecord(const std::string& key, const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  auto bad = [&] {
    return Status::Internal(fmt::format(
        "project metadata {} is not a replacement record; remove it by hand if you wrote it", key));
  };
  if (!j.is_object() || !j.contains("next") || !j.contains("dataDisks")) return bad();
  try {
    ReplacePlan p;
    p.zone = j.at("zone").get<std::string>();
    p.instance = j.at("instance").get<std::string>();
    p.old_id = std::stoull(j.at("oldId").get<std::string>());
    p.old_image = j.at("oldImage").get<std::string>();
    p.new_image = j.at("newImage").get<std::string>();
    p.why = j.value("why", "");
    auto next = compute::InstanceFromJson(j.at("next"));
    if (!next.ok()) return bad();
    p.next = std::move(next.value());
    for (const auto& d : j.at("dataDisks")) {
      auto ad = compute::AttachedDiskFromJson(d);
      if (!ad.ok()) return bad();
      p.data_disks.push_back(std::move(ad.value()));
    }
    p.protect = j.value("protect", false);
    p.metadata_changed = j.value("metadataChanged", std::vector<std::string>{});
    p.health_path = j.value("healthPath", "");
    p.health_port = j.value("healthPort", 80);
    if (j.contains("check") && j["check"].is_object()) {
      auto check = compute::HealthCheckFromJson(j["check"]);
      if (!check.ok()) return bad();
      p.check = std::move(check.value());
    }
    p.timeout_sec = j.value("timeoutSec", int64_t{600});
    p.stop_started_us = j.value("stopStartedUs", int64_t{0});
    return p;
  } catch (const std::exception&) {
    return bad();
  }
}

// Reads the record of `key` (nullopt: none).
Result<std::optional<std::string>> ReadRecord(compute::Service& svc, const std::string& project,
                                              const std::string& key) {
  auto p = svc.projects().Get(project);
  if (!p.ok()) return p.status();
  return p->common_instance_metadata.Get(key);
}

// Writes (or, with nullopt, removes) the record, compare-and-set with the
// project's other metadata; on 412 reads again, up to 10 times.
Status WriteRecord(compute::Service& svc, const std::string& project, const std::string& key,
                   const std::optional<Json>& value) {
  for (int attempt = 0;; ++attempt) {
    auto p = svc.projects().Get(project);
    if (!p.ok()) return p.status();
    compute::Metadata m = p->common_instance_metadata;
    std::erase_if(m.items, [&](const auto& kv) { return kv.first == key; });
    if (value) m.items.emplace_back(key, value->dump());
    Status st = compute::OperationStatus(svc.projects().SetCommonInstanceMetadata(project, m, {}));
    if (st.ok() || st.code() != compute::Code::kConditionNotMet || attempt >= 9) return st;
  }
}

// The image `req` asks for, checked usable; `why` says how it was chosen.
Result<compute::Image> ResolveImage(compute::Service& svc, const ReplaceRequest& req,
                                    std::string* why) {
  Result<compute::Image> image = Status::Required("give --image or --image-family");
  if (!req.image_family.empty()) {
    image = svc.images().GetFromFamily(req.project, req.image_family);
    if (!image.ok()) return image.status();
    *why = fmt::format("family {}'s head is {}", req.image_family, image->name);
  } else if (!req.image.empty()) {
    image = svc.images().Get(req.project, ImageName(req.image));
    if (!image.ok()) return image.status();
    *why = "image " + image->name;
  } else {
    return image.status();
  }
  auto st = image->State();
  if (st == compute::DeprecationState::kObsolete || st == compute::DeprecationState::kDeleted) {
    return Status::NotReady(fmt::format("image {} is {}: choose a usable image", image->name,
                                        compute::DeprecationStateName(st)));
  }
  if (image->status != "READY") {
    return Status::NotReady(fmt::format("image {} is {}, not READY", image->name, image->status));
  }
  return image;
}

// Sets `items` on `vm`'s metadata; returns the keys whose value changed.
std::vector<std::string> SetMetadata(
    compute::Instance* vm, const std::vector<std::pair<std::string, std::string>>& items) {
  std::vector<std::string> changed;
  for (const auto& item : items) {
    const std::string& k = item.first;
    const std::string& v = item.second;
    auto it = std::find_if(vm->metadata.items.begin(), vm->metadata.items.end(),
                           [&k](const auto& kv) { return kv.first == k; });
    if (it == vm->metadata.items.end()) {
      vm->metadata.items.emplace_back(k, v);
      changed.push_back(k);
    } else if (it->second != v) {
      it->second = v;
      changed.push_back(k);
    }
  }
  return changed;
}

// Drops the items of `vm`'s metadata that `items` lacks; returns their keys.
std::vector<std::string> DropOthers(compute::Instance* vm,
                                    const std::vector<std::pair<std::string, std::string>>& items) {
  std::vector<std::string> dropped;
  std::erase_if(vm->metadata.items, [&](const auto& kv) {
    bool wanted =
        std::any_of(items.begin(), items.end(), [&](const auto& w) { return w.first == kv.first; });
    if (!wanted) dropped.push_back(kv.first);
    return !wanted;
  });
  return dropped;
}

void Steps(ReplacePlan* p) {
  p->steps.clear();
  if (!p->changes) return;
  auto add = [&](char op, std::string kind, std::string name, std::string detail) {
    p->steps.push_back({op, std::move(kind), std::move(name), std::move(detail)});
  };
  add('-', "instance", p->instance,
      fmt::format("{}: stopped, then deleted with its boot disk", ImageName(p->old_image)));
  for (const auto& d : p->data_disks) {
    add('=', "disk", ImageName(d.source),
        fmt::format("detached and kept, attached to the new {} as {} ({})", p->instance,
                    d.device_name, d.mode));
  }
  std::string metadata = "same metadata";
  if (!p->metadata_changed.empty()) {
    metadata = "metadata with new " + fmt::format("{}", fmt::join(p->metadata_changed, ", "));
  }
  std::string detail =
      fmt::format("{}, {}, {}, same labels, tags and address", ImageName(p->new_image),
                  ImageName(p->next.machine_type), metadata);
  if (p->protect) detail += ", deletion protection";
  add('+', "instance", p->instance, detail);
}

// What judges the new VM: "HTTP /health on port 80", "TCP port 5432"; empty
// when RUNNING is enough.
std::string CheckText(const ReplacePlan& p) {
  if (p.check && p.check->http) {
    const auto& h = *p.check->http;
    return fmt::format("HTTP {} on port {}{}", h.request_path, h.port,
                       h.response.empty() ? "" : fmt::format(" (answer with '{}')", h.response));
  }
  if (p.check && p.check->tcp) {
    const auto& t = *p.check->tcp;
    return fmt::format("TCP port {}{}", t.port,
                       t.response.empty() ? "" : fmt::format(" (answer '{}')", t.response));
  }
  if (p.health_path.empty()) return "";
  return fmt::format("HTTP {} on port {}", p.health_path, p.health_port);
}

std::string HealthText(const ReplacePlan& p) {
  const std::string check = CheckText(p);
  if (check.empty()) return "once RUNNING (no --health-path)";
  return fmt::format("when {} {}, within {} s", check,
                     check.starts_with("TCP") ? "accepts" : "answers 200", p.timeout_sec);
}

double Seconds(compute::TimeUs a, compute::TimeUs b) {
  return static_cast<double>(b - a) / compute::kMicrosPerSecond;
}

}  // namespace

std::string ReplaceKey(const std::string& zone, const std::string& name) {
  return "imago-replace-" + zone + "-" + name;
}

Result<ReplacePlan> PlanReplace(compute::Service& svc, const ReplaceRequest& req) {
  const std::string key = ReplaceKey(req.zone, req.instance);
  auto rec = ReadRecord(svc, req.project, key);
  if (!rec.ok()) return rec.status();
  if (rec->has_value()) {
    auto p = FromJsonRecord(key, **rec);
    if (!p.ok()) return p.status();
    p->project = req.project;
    p->resume = true;
    // Until the new VM exists, the replacement still takes the image and
    // metadata this run asks for: the way forward when the recorded image
    // was deleted meanwhile, or a better one came out.
    auto cur = svc.instances().Get(req.project, req.zone, req.instance);
    if (!cur.ok() && cur.status().code() != compute::Code::kNotFound) return cur.status();
    if (!cur.ok() || cur->id == p->old_id) {
      std::string why;
      auto image = ResolveImage(svc, req, &why);
      if (!image.ok()) return image.status();
      if (image->self_link != p->new_image) {
        p->why =
            fmt::format("{} (the interrupted run was taking {})", why, ImageName(p->new_image));
        p->new_image = image->self_link;
        for (auto& d : p->next.disks) {
          if (d.boot && d.initialize_params) d.initialize_params->source_image = p->new_image;
        }
        p->retarget = true;
      }
      std::vector<std::string> changed = SetMetadata(&p->next, req.metadata);
      if (req.exact_metadata) {
        for (auto& k : DropOthers(&p->next, req.metadata)) changed.push_back(std::move(k));
      }
      for (const auto& [k, v] : req.labels) {
        auto it = p->next.labels.find(k);
        if (it != p->next.labels.end() && it->second == v) continue;
        p->next.labels[k] = v;
        p->retarget = true;
      }
      for (const auto& k : changed) {
        p->retarget = true;
        auto& listed = p->metadata_changed;
        if (std::find(listed.begin(), listed.end(), k) == listed.end()) listed.push_back(k);
      }
    } else {
      // The new VM exists: this run only sees it serve. A different image
      // asked for is said, not silently dropped.
      std::string why;
      auto image = ResolveImage(svc, req, &why);
      if (image.ok() && image->self_link != p->new_image) {
        p->why += fmt::format("; {} is already made from {}: replace it again for {} afterwards",
                              req.instance, ImageName(p->new_image), image->name);
      }
    }
    Steps(&p.value());
    return p;
  }

  auto in = svc.instances().Get(req.project, req.zone, req.instance);
  if (!in.ok()) return in.status();
  if (auto owner = in->metadata.Get("created-by")) {
    return Status::Invalid(fmt::format(
        "instance {} belongs to managed group {}: its group replaces it (imago deploy, or "
        "instance-groups managed rolling-action)",
        req.instance, ImageName(*owner)));
  }
  if (auto env = in->labels.find("imago-env"); env != in->labels.end() && !req.deploy) {
    auto service = in->labels.find("imago-service");
    return Status::Invalid(fmt::format(
        "instance {} is the VM of environment {}{}: deploy it instead (imago deploy {}), so "
        "that its ledger knows what runs",
        req.instance, env->second,
        service == in->labels.end() ? "" : " of service " + service->second, env->second));
  }
  ReplacePlan p;
  p.project = req.project;
  p.zone = req.zone;
  p.instance = req.instance;
  p.old_id = in->id;
  p.health_path = req.health_path;
  p.health_port = req.health_port;
  p.check = req.check;
  p.timeout_sec = req.timeout_sec;
  p.protect = in->extra.value("deletionProtection", false);

  compute::AttachedDisk boot;
  for (const auto& d : in->disks) {
    if (d.boot) {
      boot = d;
    } else {
      compute::AttachedDisk keep;
      keep.source = d.source;
      keep.device_name = d.device_name;
      keep.mode = d.mode;
      keep.auto_delete = d.auto_delete;
      p.data_disks.push_back(keep);
    }
  }
  if (boot.source.empty()) {
    return Status::Invalid(fmt::format("instance {} has no boot disk", req.instance));
  }
  if (!boot.auto_delete) {
    return Status::Invalid(fmt::format(
        "the boot disk {} of {} is not auto-delete: it would outlive the VM and block the new boot "
        "disk's name; delete the VM by hand, or recreate it with an auto-delete boot disk",
        ImageName(boot.source), req.instance));
  }
  auto boot_disk = svc.disks().Get(req.project, req.zone, ImageName(boot.source));
  if (!boot_disk.ok()) return boot_disk.status();
  p.old_image = boot_disk->source_image;

  std::string why;
  auto image = ResolveImage(svc, req, &why);
  if (!image.ok()) return image.status();
  p.new_image = image->self_link;
  p.why = ImageName(p.old_image) == image->name
              ? fmt::format("{} (the image it runs)", why)
              : fmt::format("{} (it runs {})", why, ImageName(p.old_image));
  if (image->IsDeprecated()) p.why += "; the image is DEPRECATED";

  compute::Instance next = *in;
  next.id = 0;
  next.self_link.clear();
  next.creation_timestamp.clear();
  next.status.clear();
  next.status_message.clear();
  next.cpu_platform.clear();
  next.last_start_timestamp.clear();
  next.last_stop_timestamp.clear();
  next.forwarded_ports.clear();
  next.label_fingerprint.clear();
  next.zone.clear();
  next.metadata.fingerprint.clear();
  for (const char* f : kOutputOnly) next.extra.erase(f);
  if (next.extra.contains("tags")) next.extra["tags"].erase("fingerprint");
  for (auto& nic : next.network_interfaces) {
    for (auto& ac : nic.access_configs) ac.nat_ip.clear();  // Ephemeral: a new one.
    nic.extra.erase("fingerprint");
    nic.name.clear();
  }
  p.metadata_changed = SetMetadata(&next, req.metadata);
  if (req.exact_metadata) {
    for (auto& k : DropOthers(&next, req.metadata)) p.metadata_changed.push_back(std::move(k));
  }
  bool other_changes = false;
  for (const auto& [k, v] : req.labels) {
    auto it = next.labels.find(k);
    other_changes |= it == next.labels.end() || it->second != v;
    next.labels[k] = v;
  }
  if (!req.machine_type.empty() && ImageName(next.machine_type) != ImageName(req.machine_type)) {
    next.machine_type = req.machine_type;
    other_changes = true;
  }
  compute::AttachedDisk nb;
  nb.boot = true;
  nb.auto_delete = true;
  nb.device_name = boot.device_name;
  compute::InitializeParams ip;
  ip.source_image = p.new_image;
  ip.disk_size_gb = boot_disk->size_gb;
  nb.initialize_params = ip;
  next.disks = {nb};
  for (const auto& add : req.add_disks) {
    bool have = std::any_of(p.data_disks.begin(), p.data_disks.end(),
                            [&](const auto& d) { return d.device_name == add.device_name; });
    if (have) continue;
    p.data_disks.push_back(add);
    other_changes = true;
  }
  for (const auto& d : p.data_disks) next.disks.push_back(d);
  p.next = std::move(next);
  p.changes = ImageName(p.old_image) != image->name || !p.metadata_changed.empty() || other_changes;
  Steps(&p);
  return p;
}

std::string FormatReplacePlan(const ReplacePlan& p) {
  std::string out;
  if (!p.changes) {
    return fmt::format("replace {}: no changes ({} runs {} with this metadata)\n", p.instance,
                       p.instance, ImageName(p.new_image));
  }
  out += fmt::format("replace {} in {}: {} -> {}{}\n", p.instance, p.zone, ImageName(p.old_image),
                     ImageName(p.new_image),
                     p.resume ? " (continuing an interrupted replacement)" : "");
  out += fmt::format("  why     {}\n", p.why);
  size_t w = 0;
  for (const auto& s : p.steps) w = std::max(w, s.kind.size() + 1 + s.name.size());
  for (const auto& s : p.steps) {
    std::string what = s.kind + " " + s.name;
    out += fmt::format("  {} {:<{}}  {}\n", s.op, what, w, s.detail);
  }
  out += fmt::format(
      "  serves  {}; nothing is served from the stop until then (downtime, "
      "measured)\n",
      HealthText(p));
  return out;
}

Json ReplacePlanToJson(const ReplacePlan& p) {
  Json steps = Json::array();
  for (const auto& s : p.steps) {
    steps.push_back(
        {{"op", std::string(1, s.op)}, {"kind", s.kind}, {"name", s.name}, {"detail", s.detail}});
  }
  Json disks = Json::array();
  for (const auto& d : p.data_disks) {
    disks.push_back({{"disk", ImageName(d.source)}, {"deviceName", d.device_name}});
  }
  return {{"instance", p.instance},
          {"zone", p.zone},
          {"changes", p.changes},
          {"resume", p.resume},
          {"oldImage", ImageName(p.old_image)},
          {"newImage", ImageName(p.new_image)},
          {"why", p.why},
          {"dataDisks", disks},
          {"steps", steps}};
}

Result<bool> WaitServes(compute::Service& svc, const compute::Clock& clock,
                        const std::string& project, const std::string& zone,
                        const std::string& name, const compute::HealthCheck* check,
                        compute::TimeUs deadline, const Listener& l,
                        const std::atomic<bool>* cancel) {
  compute::HealthCheck probe_check;
  if (check) {
    probe_check = *check;
    probe_check.timeout_sec = 2;  // Polled often: a probe must not hold the loop.
  }
  groups::HostProber prober;
  const compute::TimeUs begin = clock.Now();
  compute::TimeUs last_wait = 0;
  for (;;) {
    auto in = svc.instances().Get(project, zone, name);
    if (!in.ok()) return in.status();
    if (in->status == "RUNNING" && (!check || prober.Probe(probe_check, *in))) return true;
    compute::TimeUs now = clock.Now();
    if (now > deadline) return false;
    if (cancel && cancel->load()) {
      return Status::Unavailable(fmt::format("interrupted while waiting for {} to serve", name));
    }
    if (l.waiting && now - last_wait >= compute::kMicrosPerSecond) {
      last_wait = now;
      l.waiting(fmt::format("waiting for {} to serve [{}, {:.0f} s]", name, in->status,
                            Seconds(begin, now)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

Result<ReplaceResult> ApplyReplace(compute::Service& svc, const compute::Clock& clock,
                                   const ReplacePlan& plan, const Listener& l,
                                   const std::atomic<bool>* cancel) {
  ReplaceResult r;
  if (!plan.changes) {
    r.healthy = true;
    r.message = fmt::format("{}: no changes", plan.instance);
    return r;
  }
  const std::string key = ReplaceKey(plan.zone, plan.instance);
  const std::string& project = plan.project;
  const std::string& zone = plan.zone;
  const std::string& name = plan.instance;
  auto say = [&](const std::string& s) {
    if (l.step) l.step(s);
  };
  auto cancelled = [&] { return cancel && cancel->load(); };
  auto interrupted = [&] {
    return Status::Unavailable(fmt::format(
        "replacement of {} interrupted; run the same command again to finish it", name));
  };
  ReplacePlan rec = plan;
  if (!plan.resume || plan.retarget) {
    IMAGO_RETURN_IF_ERROR(WriteRecord(svc, project, key, ToJsonRecord(rec)));
  }

  const compute::TimeUs t0 = clock.Now();
  compute::TimeUs stop_start = plan.stop_started_us ? plan.stop_started_us : t0;
  compute::TimeUs stopped = stop_start, swapped = 0;

  auto cur = svc.instances().Get(project, zone, name);
  if (!cur.ok() && cur.status().code() != compute::Code::kNotFound) return cur.status();
  if (cur.ok() && cur->id == plan.old_id) {
    // The old VM: stop, detach, delete.
    if (cur->status != "TERMINATED") {
      if (!plan.stop_started_us) {
        rec.stop_started_us = stop_start = clock.Now();
        IMAGO_RETURN_IF_ERROR(WriteRecord(svc, project, key, ToJsonRecord(rec)));
      }
      say(fmt::format("stopping {} ({})", name, ImageName(plan.old_image)));
      IMAGO_RETURN_IF_ERROR(
          compute::OperationStatus(svc.instances().Stop(project, zone, name, {})));
    }
    stopped = clock.Now();
    say(fmt::format("stopped {} in {:.1f} s", name, Seconds(stop_start, stopped)));
    if (cancelled()) return interrupted();
    for (const auto& d : plan.data_disks) {
      bool attached = false;
      for (const auto& have : cur->disks) attached |= have.device_name == d.device_name;
      if (!attached) continue;
      IMAGO_RETURN_IF_ERROR(compute::OperationStatus(
          svc.instances().DetachDisk(project, zone, name, d.device_name, {})));
      say(fmt::format("detached {} ({})", ImageName(d.source), d.device_name));
    }
    if (plan.protect && cur->extra.value("deletionProtection", false)) {
      IMAGO_RETURN_IF_ERROR(compute::OperationStatus(
          svc.instances().SetDeletionProtection(project, zone, name, false, {})));
    }
    IMAGO_RETURN_IF_ERROR(
        compute::OperationStatus(svc.instances().Delete(project, zone, name, {})));
    say(fmt::format("deleted {} and its boot disk", name));
    cur = Status::NotFound("deleted");
  } else if (cur.ok()) {
    say(fmt::format("{} was already made from {} by the interrupted run", name,
                    ImageName(plan.new_image)));
  }
  if (cancelled()) return interrupted();
  if (!cur.ok()) {
    compute::Instance next = plan.next;
    if (plan.protect) next.extra["deletionProtection"] = true;
    auto op = svc.instances().Insert(project, zone, next, {});
    Status st = compute::OperationStatus(op);
    if (!st.ok()) {
      return Status(st.code(),
                    fmt::format("creating {} from {} failed: {}; the data disks are detached and "
                                "kept; run the same command again to retry",
                                name, ImageName(plan.new_image), st.message()));
    }
    say(fmt::format("created {} from {} with {} data disk(s)", name, ImageName(plan.new_image),
                    plan.data_disks.size()));
  }
  swapped = clock.Now();
  // The new VM exists with the disks: the replacement is done; what
  // remains is to see it serve.
  IMAGO_RETURN_IF_ERROR(WriteRecord(svc, project, key, std::nullopt));

  std::optional<compute::HealthCheck> check = plan.check;
  if (!check && !plan.health_path.empty()) {
    check.emplace();
    check->type = "HTTP";
    compute::HttpHealthCheck http;
    http.port = plan.health_port;
    http.request_path = plan.health_path;
    check->http = http;
  }
  const bool probe = check.has_value();
  auto served_ok = WaitServes(svc, clock, project, zone, name, check ? &*check : nullptr,
                              swapped + plan.timeout_sec * compute::kMicrosPerSecond, l, cancel);
  if (!served_ok.ok()) {
    if (served_ok.status().code() != compute::Code::kUnavailable) return served_ok.status();
    return Status::Unavailable(
        fmt::format("interrupted while {} boots; it runs {} with the data disks", name,
                    ImageName(plan.new_image)));
  }
  if (!*served_ok) {
    r.healthy = false;
    r.message = fmt::format(
        "{} runs {} but {} did not serve within {} s; the data disks are attached to it; back to "
        "the previous image: imago instances replace {} --image {} --yes",
        name, ImageName(plan.new_image), !probe ? std::string("it") : CheckText(plan),
        plan.timeout_sec, name, ImageName(plan.old_image));
    return r;
  }
  const compute::TimeUs served = clock.Now();
  r.healthy = true;
  r.stop_sec = Seconds(stop_start, stopped);
  r.swap_sec = Seconds(stopped, swapped);
  r.boot_sec = Seconds(swapped, served);
  r.downtime_sec = Seconds(stop_start, served);
  r.message = fmt::format(
      "replaced {}: {} -> {}; downtime {:.1f} s (stop {:.1f} s, disk swap {:.1f} s, boot to {} "
      "{:.1f} s)",
      name, ImageName(plan.old_image), ImageName(plan.new_image), r.downtime_sec, r.stop_sec,
      r.swap_sec, probe ? "healthy" : "RUNNING", r.boot_sec);
  return r;
}

}  // namespace imago::deploy
