#include "localcloud/local_instance_group_managers.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "compute/group_codec.h"
#include "compute/names.h"
#include "compute/resource_ref.h"
#include "compute/vm_codec.h"
#include "localcloud/list_util.h"
#include "localcloud/local_autoscalers.h"
#include "localcloud/local_instance_groups.h"
#include "localcloud/local_instances.h"
#include "localcloud/local_load_balancers.h"
#include "localcloud/machine_types.h"
#include "localcloud/qemu.h"
#include "localcloud/unsupported.h"

namespace imago::localcloud {

using compute::FixedOrPercent;
using compute::InstanceGroupManager;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::ManagedInstance;
using compute::ManagedInstanceError;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Status;

namespace {

constexpr const char* kKind = "instanceGroupManager";
constexpr const char* kCollection = "instanceGroupManagers";
constexpr const char* kWhere = "instanceGroupManager";
constexpr int kMaxSize = 1000;
constexpr size_t kMaxErrors = 100;

// The global resource `text` names (a name, a partial path or a URL) in
// `collection`: its row, or 400 naming `field`.
Result<ResourceRow> ResolveGlobal(LocalStore& s, const std::string& project, const char* kind,
                                  const char* collection, const std::string& field,
                                  const std::string& text) {
  std::string name = compute::LastSegment(text);
  bool shaped = text.find('/') == std::string::npos ||
                text.find(std::string("global/") + collection + "/") != std::string::npos;
  if (shaped && compute::ValidateName(field, name).ok()) {
    auto row = s.catalog().FindResource(kind, project, "", name);
    if (!row.ok()) return row.status();
    if (row->has_value()) return std::move(**row);
  }
  return Status::InvalidField(
      field, text, fmt::format("The referenced {} resource cannot be found.", collection));
}

Status CheckFixedOrPercent(const std::string& field, const FixedOrPercent& v, int size,
                           bool zero_ok) {
  if (v.fixed && v.percent) {
    return Status::InvalidField(field, "fixed and percent", "Give one of fixed and percent.");
  }
  if (v.fixed && (*v.fixed < 0 || (*v.fixed == 0 && !zero_ok))) {
    return Status::InvalidField(field + ".fixed", std::to_string(*v.fixed),
                                zero_ok ? "Must be 0 or more." : "Must be a positive integer.");
  }
  if (v.percent && (*v.percent < 0 || *v.percent > 100)) {
    return Status::InvalidField(field + ".percent", std::to_string(*v.percent),
                                "Must be between 0 and 100.");
  }
  if (v.percent && zero_ok && size < 10) {
    return Status::InvalidField(field + ".percent", std::to_string(*v.percent),
                                "A percent is accepted only for groups of 10 or more instances; "
                                "give a fixed number.");
  }
  return Status::OK();
}

void SetCalculated(std::optional<FixedOrPercent>* v, int size) {
  if (*v) (*v)->calculated = compute::Resolve(**v, size);
}

// The stored spec: what Get returns without the controller's report.
Json SpecJson(InstanceGroupManager g) {
  g.current_actions = Json::object();
  g.status = Json::object();
  return compute::ToJson(g);
}

std::string Fingerprint(const InstanceGroupManager& g) {
  InstanceGroupManager copy = g;
  copy.fingerprint.clear();
  return compute::ShortFingerprint(SpecJson(copy).dump());
}

std::string MetadataValue(const Json& instance, const std::string& key) {
  if (!instance.contains("metadata") || !instance["metadata"].contains("items")) return "";
  for (const auto& item : instance["metadata"]["items"]) {
    if (item.value("key", "") == key) return item.value("value", "");
  }
  return "";
}

Status NotMember(const std::string& instance, const std::string& group) {
  return Status::InvalidField("instances", instance,
                              "The instance is not a member of the instance group " + group + ".");
}

}  // namespace

Status LocalInstanceGroupManagers::Normalize(const std::string& project, const std::string& zone,
                                             InstanceGroupManager* g) {
  const std::string w = kWhere;
  IMAGO_RETURN_IF_ERROR(compute::ValidateName(w + ".name", g->name));
  if (!g->target_size) {
    return Status::Required("Required field '" + w + ".targetSize' not specified");
  }
  const int size = *g->target_size;
  if (size < 0 || size > kMaxSize) {
    return Status::InvalidField(w + ".targetSize", std::to_string(size),
                                "A group holds 0 to 1000 instances.");
  }
  IMAGO_RETURN_IF_ERROR(RefuseUnsupported(
      g->extra, w,
      {{"targetPools", "use a backend service"},
       {"distributionPolicy", "zonal groups only (no regional groups)"},
       {"standbyPolicy", "there are no standby pools"},
       {"instanceFlexibilityPolicy", "a group has one machine type, its template's"},
       {"resourcePolicies", "there are no workload policies"},
       {"targetStoppedSize", "a group's instances run"},
       {"targetSuspendedSize", "a group's instances run"},
       {"allInstancesConfig", "put the metadata and labels in the template"}}));
  // statefulPolicy: preserved disks (the controller keeps them across
  // recreation, groups/controller.cc); stateful IPs are not served.
  if (g->extra.contains("statefulPolicy")) {
    const compute::Json& sp = g->extra["statefulPolicy"];
    const std::string f = w + ".statefulPolicy";
    if (!sp.is_object()) return Status::InvalidField(f, sp.dump(), "Expected an object.");
    for (auto it = sp.begin(); it != sp.end(); ++it) {
      if (it.key() != "preservedState") {
        return Status::InvalidField(f + "." + it.key(), it->dump(), "Unknown field.");
      }
    }
    const compute::Json& ps = sp.value("preservedState", compute::Json::object());
    for (auto it = ps.begin(); ps.is_object() && it != ps.end(); ++it) {
      if (it.key() == "internalIPs" || it.key() == "externalIPs") {
        return Status::InvalidField(f + ".preservedState." + it.key(), it->dump(),
                                    "Not supported by the local cloud: stateful IPs (a VM keeps "
                                    "its name, and its disks).");
      }
      if (it.key() != "disks") {
        return Status::InvalidField(f + ".preservedState." + it.key(), it->dump(),
                                    "Unknown field.");
      }
    }
    const compute::Json& disks =
        ps.is_object() ? ps.value("disks", compute::Json::object()) : compute::Json();
    if (!disks.is_object()) {
      return Status::InvalidField(f + ".preservedState", ps.dump(),
                                  "Expected disks: a map of device name to {autoDelete}.");
    }
    for (auto it = disks.begin(); it != disks.end(); ++it) {
      std::string ad = it->is_object() ? it->value("autoDelete", "NEVER") : "?";
      if (ad != "NEVER" && ad != "ON_PERMANENT_INSTANCE_DELETION") {
        return Status::InvalidField(f + ".preservedState.disks." + it.key() + ".autoDelete", ad,
                                    "Expected NEVER or ON_PERMANENT_INSTANCE_DELETION.");
      }
    }
    if (!disks.empty() && g->update_policy.type != "OPPORTUNISTIC" &&
        g->update_policy.replacement_method != "RECREATE") {
      return Status::InvalidField(
          w + ".updatePolicy.replacementMethod", g->update_policy.replacement_method,
          "A group with stateful disks updates proactively only with RECREATE (a disk keeps its "
          "VM's name).");
    }
  }
  // The base instance name: 1-58 characters, a name, optionally ending in
  // -### (sequential numbers).
  if (g->base_instance_name.empty()) g->base_instance_name = g->name;
  std::string base = g->base_instance_name;
  while (!base.empty() && base.back() == '#') base.pop_back();
  if (base != g->base_instance_name && (base.empty() || base.back() != '-')) {
    return Status::InvalidField(w + ".baseInstanceName", g->base_instance_name,
                                "Sequential names end with a hyphen and #s, e.g. web-###.");
  }
  if (!base.empty() && base.back() == '-') base.pop_back();
  if (g->base_instance_name.size() > 58 ||
      !compute::ValidateName(w + ".baseInstanceName", base).ok()) {
    return Status::InvalidField(w + ".baseInstanceName", g->base_instance_name,
                                "1-58 characters: a lowercase letter, then letters, digits or "
                                "hyphens.");
  }
  // Versions: the top-level template is the single version's.
  if (g->versions.empty()) {
    if (g->instance_template.empty()) {
      return Status::Required("Required field '" + w +
                              ".instanceTemplate' not specified: give a template or versions.");
    }
    g->versions.push_back({"", g->instance_template, std::nullopt});
  }
  if (g->versions.size() > 2) {
    return Status::InvalidField(w + ".versions", std::to_string(g->versions.size()) + " versions",
                                "A group has at most two versions.");
  }
  int unsized = 0;
  std::set<std::string> templates, names;
  for (size_t i = 0; i < g->versions.size(); ++i) {
    auto& v = g->versions[i];
    const std::string field = fmt::format("{}.versions[{}]", w, i);
    auto t = ResolveGlobal(s_, project, kInstanceTemplateKind, "instanceTemplates",
                           field + ".instanceTemplate", v.instance_template);
    if (!t.ok()) return t.status();
    v.instance_template = t->resource.value("selfLink", "");
    if (!templates.insert(v.instance_template).second) {
      return Status::InvalidField(field + ".instanceTemplate", v.instance_template,
                                  "Every version can appear at most once per instance group.");
    }
    if (!v.name.empty() && !names.insert(v.name).second) {
      return Status::InvalidField(field + ".name", v.name, "Version names are unique.");
    }
    if (v.target_size) {
      IMAGO_RETURN_IF_ERROR(CheckFixedOrPercent(field + ".targetSize", *v.target_size, size,
                                                /*zero_ok=*/false));
    } else {
      ++unsized;
    }
  }
  if (unsized != 1) {
    return Status::InvalidField(w + ".versions", fmt::format("{} without targetSize", unsized),
                                "Exactly one version must leave the targetSize field unset.");
  }
  if (g->versions.size() == 1) g->instance_template = g->versions[0].instance_template;
  for (auto& v : g->versions) SetCalculated(&v.target_size, size);
  // Update policy, with GCE's defaults for a zonal group.
  auto& p = g->update_policy;
  const std::string pw = w + ".updatePolicy";
  if (p.type.empty()) p.type = "PROACTIVE";
  if (p.minimal_action.empty()) p.minimal_action = "REPLACE";
  if (p.most_disruptive_allowed_action.empty()) p.most_disruptive_allowed_action = "REPLACE";
  if (p.replacement_method.empty()) p.replacement_method = "SUBSTITUTE";
  if (p.most_disruptive_allowed_action != "REPLACE") {
    return Status::InvalidField(pw + ".mostDisruptiveAllowedAction",
                                p.most_disruptive_allowed_action,
                                "Not supported by the local cloud: a new template always "
                                "replaces an instance here (its boot disk is made anew); use "
                                "REPLACE.");
  }
  const bool recreate = p.replacement_method == "RECREATE";
  if (!p.max_surge) p.max_surge = FixedOrPercent{recreate ? 0 : 1, std::nullopt, 0};
  if (!p.max_unavailable) p.max_unavailable = FixedOrPercent{1, std::nullopt, 0};
  IMAGO_RETURN_IF_ERROR(CheckFixedOrPercent(pw + ".maxSurge", *p.max_surge, size, true));
  IMAGO_RETURN_IF_ERROR(
      CheckFixedOrPercent(pw + ".maxUnavailable", *p.max_unavailable, size, true));
  SetCalculated(&p.max_surge, size);
  SetCalculated(&p.max_unavailable, size);
  if (recreate && p.max_surge->calculated > 0) {
    return Status::InvalidField(pw + ".maxSurge", std::to_string(p.max_surge->calculated),
                                "With replacementMethod RECREATE instances keep their names, so "
                                "there is no surge: set maxSurge to 0.");
  }
  if (p.max_surge->calculated == 0 && p.max_unavailable->calculated == 0 && size > 0) {
    return Status::InvalidField(pw + ".maxUnavailable", "0",
                                "At least one of either maxSurge or maxUnavailable must be "
                                "greater than 0.");
  }
  if (p.min_ready_sec < 0 || p.min_ready_sec > 3600) {
    return Status::InvalidField(pw + ".minReadySec", std::to_string(p.min_ready_sec),
                                "Must be from range [0, 3600].");
  }
  // Autohealing: at most one policy, on a health check that exists.
  if (g->auto_healing_policies.size() > 1) {
    return Status::InvalidField(w + ".autoHealingPolicies",
                                std::to_string(g->auto_healing_policies.size()) + " policies",
                                "You can specify only one value.");
  }
  for (auto& h : g->auto_healing_policies) {
    const std::string field = w + ".autoHealingPolicies[0]";
    auto hc = ResolveGlobal(s_, project, kHealthCheckKind, "healthChecks", field + ".healthCheck",
                            h.health_check);
    if (!hc.ok()) return hc.status();
    h.health_check = hc->resource.value("selfLink", "");
    if (h.initial_delay_sec < 0 || h.initial_delay_sec > 3600) {
      return Status::InvalidField(field + ".initialDelaySec", std::to_string(h.initial_delay_sec),
                                  "The value of initial delay must be between 0 and 3600 "
                                  "seconds.");
    }
  }
  g->named_ports.clear();  // Output only: set on the instance group.
  g->zone = s_.ZoneLink(project, zone);
  g->self_link = s_.Link(compute::ZonalPath(project, zone, kCollection, g->name));
  g->instance_group = s_.Link(compute::ZonalPath(project, zone, "instanceGroups", g->name));
  g->fingerprint = Fingerprint(*g);
  return Status::OK();
}

Result<Operation> LocalInstanceGroupManagers::Insert(const std::string& project,
                                                     const std::string& zone,
                                                     const InstanceGroupManager& in,
                                                     const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  return s_.Mutate(
      project, "insert", opts,
      [&](Operation* op) -> Status {
        InstanceGroupManager g = in;
        IMAGO_RETURN_IF_ERROR(Normalize(project, zone, &g));
        auto existing = s_.catalog().FindResource(kKind, project, zone, g.name);
        if (!existing.ok()) return existing.status();
        if (existing->has_value()) {
          return Status::ResourceExists(compute::ZonalPath(project, zone, kCollection, g.name));
        }
        ResourceRow row;
        row.kind = kKind;
        row.project = project;
        row.zone = zone;
        row.name = g.name;
        row.id = s_.NewId();
        row.creation_us = s_.NowUs();
        g.id = row.id;
        g.creation_timestamp = compute::FormatRfc3339(row.creation_us);
        g.fingerprint = Fingerprint(g);
        row.resource = SpecJson(g);
        row.local = {
            {"report", Json::object()}, {"errors", Json::array()}, {"recreate", Json::array()}};
        IMAGO_RETURN_IF_ERROR(s_.catalog().InsertResource(row));
        op->target_link = g.self_link;
        op->target_id = row.id;
        return Status::OK();
      },
      zone);
}

Result<InstanceGroupManager> LocalInstanceGroupManagers::Get(const std::string& project,
                                                             const std::string& zone,
                                                             const std::string& igm) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  ResourceRow row;
  {
    std::lock_guard lock(s_.mu());
    auto r = s_.LoadRow(kKind, kCollection, project, zone, igm);
    if (!r.ok()) return r.status();
    row = std::move(r.value());
  }
  auto g = compute::InstanceGroupManagerFromJson(row.resource);
  if (!g.ok()) return g.status();
  const Json& report = row.local.value("report", Json::object());
  g->named_ports = NamedPortsOf(row);
  g->current_actions = report.value("currentActions", compute::EmptyActionsSummary());
  g->status = {{"isStable", report.value("isStable", false)},
               {"versionTarget", {{"isReached", report.value("versionTargetReached", false)}}},
               {"stateful",
                {{"hasStatefulConfig", false}, {"perInstanceConfigs", {{"allEffective", true}}}}}};
  {
    std::lock_guard lock(s_.mu());
    auto scaler =
        LocalAutoscalers::AutoscalerOf(s_, project, zone, row.resource.value("selfLink", ""));
    if (scaler.ok() && !scaler->empty()) {
      g->status["autoscaler"] = s_.Link(compute::ZonalPath(project, zone, "autoscalers", *scaler));
    }
  }
  return g;
}

Result<ListPage<InstanceGroupManager>> LocalInstanceGroupManagers::List(const std::string& project,
                                                                        const std::string& zone,
                                                                        const ListOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  auto plan = internal::PlanList(kCollection, project, opts,
                                 compute::InstanceGroupManagerFilterSchema(), zone);
  if (!plan.ok()) return plan.status();
  plan->scan.name = plan->filter.RequiredValue("name");
  auto page = [&] {
    std::lock_guard lock(s_.mu());
    return internal::FillPage<InstanceGroupManager>(
        s_.catalog(), kKind, project, zone, *plan,
        [](const Json& j) { return compute::InstanceGroupManagerFromJson(j); });
  }();
  if (!page.ok()) return page.status();
  // Each with its currentActions and status, as get shows it.
  for (auto& g : page->items) {
    auto full = Get(project, zone, g.name);
    if (full.ok()) g = std::move(full.value());
  }
  return page;
}

Result<std::vector<std::string>> LocalInstanceGroupManagers::MemberNames(const std::string& project,
                                                                         const std::string& zone,
                                                                         const std::string& link) {
  std::vector<std::string> names;
  Status st = s_.catalog().ScanResources(kInstanceKind, project, zone, {}, [&](ResourceRow&& r) {
    if (MetadataValue(r.resource, "created-by") == link) names.push_back(r.name);
    return true;
  });
  if (!st.ok()) return st;
  return names;
}

Result<Operation> LocalInstanceGroupManagers::Delete(const std::string& project,
                                                     const std::string& zone,
                                                     const std::string& igm,
                                                     const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  std::string link;
  // The group goes first, so that no controller makes instances for it
  // again; its instances follow. Instances whose group is gone are
  // orphans: the controller deletes any it finds (a crash in between).
  auto op = s_.Mutate(
      project, "delete", opts,
      [&](Operation* op) -> Status {
        auto row = s_.LoadRow(kKind, kCollection, project, zone, igm);
        if (!row.ok()) return row.status();
        link = row->resource.value("selfLink", "");
        // GCE refuses to delete a group that an autoscaler scales (gcloud
        // deletes the autoscaler first; so does imago's CLI).
        auto scaler = LocalAutoscalers::AutoscalerOf(s_, project, zone, link);
        if (!scaler.ok()) return scaler.status();
        if (!scaler->empty()) {
          return Status::ResourceInUse(
              fmt::format("The instance_group_manager resource '{}' is already being used by '{}'",
                          compute::ZonalPath(project, zone, kCollection, row->name),
                          compute::ZonalPath(project, zone, "autoscalers", *scaler)));
        }
        // GCE refuses to delete a group that a backend service sends to.
        IMAGO_RETURN_IF_ERROR(CheckNotInBackendService(
            s_, project, row->resource.value("instanceGroup", ""), "instance_group"));
        IMAGO_RETURN_IF_ERROR(s_.catalog().DeleteResource(row->id));
        op->target_link = link;
        op->target_id = row->id;
        return Status::OK();
      },
      zone);
  if (!op.ok() || op->failed()) return op;
  std::vector<std::string> members;
  {
    std::lock_guard lock(s_.mu());
    auto names = MemberNames(project, zone, link);
    if (!names.ok()) return names.status();
    members = std::move(names.value());
  }
  for (const auto& name : members) {
    auto del = instances_.Delete(project, zone, name, {});
    // Gone, or in the middle of being made or deleted by a controller step:
    // an instance whose group is gone is an orphan, which the controller
    // deletes, so the group's delete has done its part.
    if (!del.ok() && del.status().code() != compute::Code::kNotFound &&
        del.status().code() != compute::Code::kResourceNotReady) {
      return del.status();
    }
  }
  return op;
}

Result<Operation> LocalInstanceGroupManagers::Change(
    const std::string& project, const std::string& zone, const std::string& igm, const char* type,
    const MutationOptions& opts,
    const std::function<Status(InstanceGroupManager*, ResourceRow*)>& change) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  return s_.Mutate(
      project, type, opts,
      [&](Operation* op) -> Status {
        auto row = s_.LoadRow(kKind, kCollection, project, zone, igm);
        if (!row.ok()) return row.status();
        auto g = compute::InstanceGroupManagerFromJson(row->resource);
        if (!g.ok()) return g.status();
        const uint64_t id = g->id;
        const std::string created = g->creation_timestamp, name = g->name;
        IMAGO_RETURN_IF_ERROR(change(&g.value(), &row.value()));
        if (g->name != name) {
          return Status::InvalidField("instanceGroupManager.name", g->name,
                                      "A group cannot be renamed.");
        }
        IMAGO_RETURN_IF_ERROR(Normalize(project, zone, &g.value()));
        g->id = id;
        g->creation_timestamp = created;
        g->fingerprint = Fingerprint(*g);
        row->resource = SpecJson(*g);
        // Until the controller has looked at the new spec, the group is
        // neither stable nor at its target: a wait starts from here.
        Json& report = row->local["report"];
        if (!report.is_object()) report = Json::object();
        report["isStable"] = false;
        report["versionTargetReached"] = false;
        IMAGO_RETURN_IF_ERROR(s_.catalog().UpdateResource(*row));
        op->target_link = g->self_link;
        op->target_id = row->id;
        return Status::OK();
      },
      zone);
}

Result<Operation> LocalInstanceGroupManagers::Resize(const std::string& project,
                                                     const std::string& zone,
                                                     const std::string& igm, int size,
                                                     const MutationOptions& opts) {
  return Change(project, zone, igm, "compute.instanceGroupManagers.resize", opts,
                [&](InstanceGroupManager* g, ResourceRow*) {
                  if (size < 0 || size > kMaxSize) {
                    return Status::InvalidField("size", std::to_string(size),
                                                "A group holds 0 to 1000 instances.");
                  }
                  g->target_size = size;
                  return Status::OK();
                });
}

Result<Operation> LocalInstanceGroupManagers::Patch(const std::string& project,
                                                    const std::string& zone, const std::string& igm,
                                                    const Json& patch,
                                                    const MutationOptions& opts) {
  if (!patch.is_object()) return Status::Invalid("A patch of a group is a JSON object.");
  return Change(project, zone, igm, "compute.instanceGroupManagers.patch", opts,
                [&](InstanceGroupManager* g, ResourceRow*) -> Status {
                  std::string fp = patch.value("fingerprint", "");
                  if (!fp.empty() && fp != g->fingerprint) {
                    return Status::ConditionNotMet(
                        "Supplied fingerprint does not match current fingerprint of the "
                        "instance group manager; get it again and retry.");
                  }
                  Json body = patch;
                  for (const char* k :
                       {"kind", "id", "creationTimestamp", "selfLink", "zone", "region",
                        "fingerprint", "currentActions", "status", "instanceGroup", "namedPorts"}) {
                    body.erase(k);
                  }
                  Json merged = SpecJson(*g);
                  // A patch naming versions replaces them; the top-level
                  // template then follows the versions.
                  if (body.contains("versions")) merged.erase("instanceTemplate");
                  if (body.contains("instanceTemplate") && !body.contains("versions")) {
                    merged.erase("versions");
                  }
                  merged.merge_patch(body);
                  auto next = compute::InstanceGroupManagerFromJson(merged);
                  if (!next.ok()) return next.status();
                  *g = std::move(next.value());
                  return Status::OK();
                });
}

Result<Operation> LocalInstanceGroupManagers::SetInstanceTemplate(
    const std::string& project, const std::string& zone, const std::string& igm,
    const std::string& instance_template, const MutationOptions& opts) {
  return Change(project, zone, igm, "compute.instanceGroupManagers.setInstanceTemplate", opts,
                [&](InstanceGroupManager* g, ResourceRow*) {
                  if (instance_template.empty()) {
                    return Status::Required("Required field 'instanceTemplate' not specified");
                  }
                  g->instance_template = instance_template;
                  g->versions.clear();
                  return Status::OK();
                });
}

Result<std::vector<ManagedInstance>> LocalInstanceGroupManagers::ListManagedInstances(
    const std::string& project, const std::string& zone, const std::string& igm) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  std::optional<InstanceGroupManager> g;
  Json report, recreate;
  std::vector<std::string> names;
  {
    std::lock_guard lock(s_.mu());
    auto row = s_.LoadRow(kKind, kCollection, project, zone, igm);
    if (!row.ok()) return row.status();
    auto spec = compute::InstanceGroupManagerFromJson(row->resource);
    if (!spec.ok()) return spec.status();
    g = std::move(spec.value());
    report = row->local.value("report", Json::object());
    recreate = row->local.value("recreate", Json::array());
    auto n = MemberNames(project, zone, g->self_link);
    if (!n.ok()) return n.status();
    names = std::move(n.value());
  }
  const std::string hc =
      g->auto_healing_policies.empty() ? "" : g->auto_healing_policies[0].health_check;
  const Json health = report.value("health", Json::object());
  const Json actions = report.value("actions", Json::object());
  std::vector<ManagedInstance> out;
  for (const auto& name : names) {
    auto in = instances_.Get(project, zone, name);
    if (!in.ok()) continue;  // Deleted meanwhile.
    ManagedInstance m;
    m.instance = in->self_link;
    m.id = in->id;
    m.instance_status = in->status;
    Json as_json = compute::ToJson(*in);
    m.instance_template = MetadataValue(as_json, "instance-template");
    for (const auto& v : g->versions) {
      if (v.instance_template == m.instance_template) m.version_name = v.name;
    }
    m.health_check = hc;
    m.health_state = hc.empty() ? "" : health.value(name, "UNKNOWN");
    bool pending = std::find(recreate.begin(), recreate.end(), name) != recreate.end();
    m.current_action = actions.value(name, "");
    if (m.current_action.empty()) {
      m.current_action = pending                                                   ? "RECREATING"
                         : in->status == "PROVISIONING" || in->status == "STAGING" ? "CREATING"
                         : !hc.empty() && m.health_state != "HEALTHY"              ? "VERIFYING"
                                                                                   : "NONE";
    }
    out.push_back(std::move(m));
  }
  return out;
}

Result<Operation> LocalInstanceGroupManagers::RecreateInstances(
    const std::string& project, const std::string& zone, const std::string& igm,
    const std::vector<std::string>& instances, const MutationOptions& opts) {
  return Change(project, zone, igm, "compute.instanceGroupManagers.recreateInstances", opts,
                [&](InstanceGroupManager* g, ResourceRow* row) -> Status {
                  auto members = MemberNames(project, zone, g->self_link);
                  if (!members.ok()) return members.status();
                  Json& pending = row->local["recreate"];
                  if (!pending.is_array()) pending = Json::array();
                  for (const auto& text : instances) {
                    std::string name = compute::LastSegment(text);
                    if (std::find(members->begin(), members->end(), name) == members->end()) {
                      return NotMember(text, g->name);
                    }
                    if (std::find(pending.begin(), pending.end(), name) == pending.end()) {
                      pending.push_back(name);
                    }
                  }
                  return Status::OK();
                });
}

Result<Operation> LocalInstanceGroupManagers::ApplyUpdatesToInstances(
    const std::string& project, const std::string& zone, const std::string& igm,
    const compute::ApplyUpdatesRequest& req, const MutationOptions& opts) {
  if (req.all_instances == !req.instances.empty()) {
    return Status::Invalid("Give either instances or allInstances, not both and not neither.");
  }
  const std::string minimal = req.minimal_action.empty() ? "NONE" : req.minimal_action;
  const std::string most =
      req.most_disruptive_allowed_action.empty() ? "REPLACE" : req.most_disruptive_allowed_action;
  return Change(project, zone, igm, "compute.instanceGroupManagers.applyUpdatesToInstances", opts,
                [&](InstanceGroupManager* g, ResourceRow* row) -> Status {
                  auto members = MemberNames(project, zone, g->self_link);
                  if (!members.ok()) return members.status();
                  std::vector<std::string> names;
                  if (req.all_instances) {
                    names = *members;
                  } else {
                    for (const auto& text : req.instances) {
                      std::string name = compute::LastSegment(text);
                      if (std::find(members->begin(), members->end(), name) == members->end()) {
                        return NotMember(text, g->name);
                      }
                      names.push_back(name);
                    }
                  }
                  Json& pending = row->local["recreate"];
                  if (!pending.is_array()) pending = Json::array();
                  for (const auto& name : names) {
                    auto in = s_.catalog().FindResource(kInstanceKind, project, zone, name);
                    if (!in.ok()) return in.status();
                    if (!in->has_value()) continue;
                    const std::string tmpl = MetadataValue((*in)->resource, "instance-template");
                    bool current = false;
                    for (const auto& v : g->versions)
                      current = current || v.instance_template == tmpl;
                    if (current && minimal != "REPLACE") continue;  // Nothing it needs.
                    if (most != "REPLACE") {
                      return Status::InvalidField(
                          "mostDisruptiveAllowedAction", most,
                          "Instance " + name +
                              " needs REPLACE (its boot disk is made anew from the "
                              "template); allow REPLACE.");
                    }
                    if (std::find(pending.begin(), pending.end(), name) == pending.end()) {
                      pending.push_back(name);
                    }
                  }
                  return Status::OK();
                });
}

Result<Operation> LocalInstanceGroupManagers::DeleteInstances(
    const std::string& project, const std::string& zone, const std::string& igm,
    const std::vector<std::string>& instances, const MutationOptions& opts) {
  std::vector<std::string> names;
  auto op = Change(project, zone, igm, "compute.instanceGroupManagers.deleteInstances", opts,
                   [&](InstanceGroupManager* g, ResourceRow*) -> Status {
                     auto members = MemberNames(project, zone, g->self_link);
                     if (!members.ok()) return members.status();
                     for (const auto& text : instances) {
                       std::string name = compute::LastSegment(text);
                       if (std::find(members->begin(), members->end(), name) == members->end()) {
                         return NotMember(text, g->name);
                       }
                       if (std::find(names.begin(), names.end(), name) == names.end()) {
                         names.push_back(name);
                       }
                     }
                     g->target_size =
                         std::max(0, g->target_size.value_or(0) - static_cast<int>(names.size()));
                     return Status::OK();
                   });
  if (!op.ok() || op->failed()) return op;
  for (const auto& name : names) {
    auto del = instances_.Delete(project, zone, name, {});
    // Gone, or in the middle of being made or deleted by a controller step:
    // an instance whose group is gone is an orphan, which the controller
    // deletes, so the group's delete has done its part.
    if (!del.ok() && del.status().code() != compute::Code::kNotFound &&
        del.status().code() != compute::Code::kResourceNotReady) {
      return del.status();
    }
  }
  return op;
}

Result<std::vector<ManagedInstanceError>> LocalInstanceGroupManagers::ListErrors(
    const std::string& project, const std::string& zone, const std::string& igm) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  std::lock_guard lock(s_.mu());
  auto row = s_.LoadRow(kKind, kCollection, project, zone, igm);
  if (!row.ok()) return row.status();
  std::vector<ManagedInstanceError> out;
  for (const auto& e : row->local.value("errors", Json::array())) {
    out.push_back({e.value("code", ""), e.value("message", ""), e.value("instance", ""),
                   e.value("action", ""), e.value("timestamp", "")});
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Status LocalInstanceGroupManagers::ReportGroup(const std::string& project, const std::string& zone,
                                               const std::string& igm, const Report& report) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  std::lock_guard lock(s_.mu());
  return s_.catalog().db().WriteTxn([&]() -> Status {
    auto row = s_.LoadRow(kKind, kCollection, project, zone, igm);
    if (!row.ok()) return row.status();
    Json health = Json::object(), actions = Json::object();
    for (const auto& [name, state] : report.health) health[name] = state;
    for (const auto& [name, action] : report.actions) actions[name] = action;
    // A step that planned against an older spec, or that left asked-for
    // recreations undone, has not reached what the group says now.
    const bool current = report.fingerprint == row->resource.value("fingerprint", "") &&
                         row->local.value("recreate", Json::array()).empty();
    row->local["report"] = {{"currentActions", report.current_actions},
                            {"isStable", report.is_stable && current},
                            {"versionTargetReached", report.version_target_reached && current},
                            {"health", health},
                            {"actions", actions},
                            {"waiting", report.waiting}};
    Json& errors = row->local["errors"];
    if (!errors.is_array()) errors = Json::array();
    for (const auto& e : report.new_errors) {
      errors.push_back({{"code", e.code},
                        {"message", e.message},
                        {"instance", e.instance},
                        {"action", e.action},
                        {"timestamp", e.timestamp.empty() ? s_.Now3339() : e.timestamp}});
    }
    if (errors.size() > kMaxErrors) errors.erase(errors.begin(), errors.end() - kMaxErrors);
    return s_.catalog().UpdateResource(*row);
  });
}

Result<std::vector<std::string>> LocalInstanceGroupManagers::PendingRecreations(
    const std::string& project, const std::string& zone, const std::string& igm) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  std::lock_guard lock(s_.mu());
  auto row = s_.LoadRow(kKind, kCollection, project, zone, igm);
  if (!row.ok()) return row.status();
  std::vector<std::string> out;
  for (const auto& n : row->local.value("recreate", Json::array())) out.push_back(n);
  return out;
}

Status LocalInstanceGroupManagers::RecreationDone(const std::string& project,
                                                  const std::string& zone, const std::string& igm,
                                                  const std::string& instance) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  std::lock_guard lock(s_.mu());
  return s_.catalog().db().WriteTxn([&]() -> Status {
    auto row = s_.LoadRow(kKind, kCollection, project, zone, igm);
    if (!row.ok()) return row.status();
    Json& pending = row->local["recreate"];
    if (!pending.is_array()) return Status::OK();
    pending.erase(std::remove(pending.begin(), pending.end(), instance), pending.end());
    return s_.catalog().UpdateResource(*row);
  });
}

namespace {

// 400 naming the first group of `project` whose spec mentions `link`.
Status CheckUnused(LocalStore& s, const std::string& project, const std::string& link,
                   const char* what) {
  auto rows = s.catalog().AllResources(kKind);
  if (!rows.ok()) return rows.status();
  for (const auto& r : *rows) {
    if (r.project != project) continue;
    if (r.resource.dump().find("\"" + link + "\"") == std::string::npos) continue;
    return Status::ResourceInUse(
        fmt::format("The {} resource '{}' is already being used by '{}'", what,
                    link.substr(link.find("projects/")),
                    compute::ZonalPath(project, r.zone, kCollection, r.name)));
  }
  return Status::OK();
}

}  // namespace

Status LocalInstanceGroupManagers::CheckTemplateUnused(LocalStore& s, const std::string& project,
                                                       const std::string& link) {
  return CheckUnused(s, project, link, "instance_template");
}

Status LocalInstanceGroupManagers::CheckHealthCheckUnused(LocalStore& s, const std::string& project,
                                                          const std::string& link) {
  return CheckUnused(s, project, link, "health_check");
}

Result<compute::GroupRuntime::CpuUse> LocalInstanceGroupManagers::InstanceCpu(
    const std::string& project, const std::string& zone, const std::string& instance) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  ResourceRow row;
  {
    std::lock_guard lock(s_.mu());
    auto r = s_.LoadRow(kInstanceKind, "instances", project, zone, instance);
    if (!r.ok()) return r.status();
    row = std::move(r.value());
  }
  const int pid = row.local.value("pid", 0);
  if (row.status() != "RUNNING" || pid <= 0 || !VmAlive(pid, s_.RunDir(row.id))) {
    return Status::ResourceNotFound(compute::ZonalPath(project, zone, "instances", instance) +
                                    " (its VM does not run)");
  }
  // utime and stime, fields 14 and 15 of /proc/PID/stat, after the name.
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(f, line);
  auto paren = line.rfind(") ");
  if (paren == std::string::npos) return Status::Unavailable("cannot read the VM's CPU use");
  std::istringstream in(line.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  CpuUse use;
  use.seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  auto shape = ResolveMachineType("machineType",
                                  compute::LastSegment(row.resource.value("machineType", "")));
  use.vcpus = shape.ok() ? shape->cpus : 1;
  return use;
}

Status LocalInstanceGroupManagers::ReportAutoscaler(
    const std::string& project, const std::string& zone, const std::string& autoscaler,
    const std::string& status, std::optional<int> recommended_size, const Json& details) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  Json report = {{"status", status}, {"statusDetails", details}};
  if (recommended_size) report["recommendedSize"] = *recommended_size;
  std::lock_guard lock(s_.mu());
  return s_.catalog().db().WriteTxn([&]() -> Status {
    auto row = s_.LoadRow(kAutoscalerKind, "autoscalers", project, zone, autoscaler);
    if (!row.ok()) return row.status();
    if (row->local.value("report", Json::object()) == report) return Status::OK();
    row->local["report"] = report;
    return s_.catalog().UpdateResource(*row);
  });
}

}  // namespace imago::localcloud
