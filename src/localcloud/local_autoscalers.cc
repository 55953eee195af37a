#include "localcloud/local_autoscalers.h"

#include <cmath>

#include <fmt/format.h>

#include "compute/group_codec.h"
#include "compute/names.h"
#include "compute/resource_ref.h"
#include "compute/schema.h"
#include "localcloud/list_util.h"

namespace imago::localcloud {

using compute::Autoscaler;
using compute::Json;
using compute::Result;
using compute::Status;

namespace {

constexpr const char* kCollection = "autoscalers";
constexpr const char* kGroupKind = "instanceGroupManager";

// The stored autoscaler with the controller's last report.
Result<Autoscaler> FromRow(const ResourceRow& row) {
  auto a = compute::AutoscalerFromJson(row.resource);
  if (!a.ok()) return a.status();
  const Json& rep = row.local.value("report", Json::object());
  a->status = rep.value("status", "PENDING");
  if (rep.contains("recommendedSize") && rep["recommendedSize"].is_number_integer()) {
    a->recommended_size = rep["recommendedSize"].get<int>();
  }
  a->status_details = rep.value("statusDetails", Json::array());
  if (a->status == "PENDING" && a->status_details.empty()) {
    a->status_details = Json::array({{{"message",
                                       "Waiting for the group controller's first "
                                       "measurement of the group's CPU use."},
                                      {"type", "UNKNOWN"}}});
  }
  return a;
}

// The autoscaler with GCE's defaults filled in and its target resolved
// (within a transaction). `self` is its own name (an update may keep its
// target).
Result<Autoscaler> Normalize(LocalStore& s, const std::string& project, const std::string& zone,
                             Autoscaler a) {
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("autoscaler.name", a.name));
  if (a.target.empty()) {
    return Status::Required(
        "Required field 'autoscaler.target' not specified: name the managed instance group.");
  }
  auto ref =
      compute::ParseResourceRef("autoscaler.target", a.target, "instanceGroupManagers", true);
  if (!ref.ok()) return ref.status();
  const std::string gz = ref->zone.empty() ? zone : ref->zone;
  if (gz != zone || (!ref->project.empty() && ref->project != project)) {
    return Status::InvalidField("autoscaler.target", a.target,
                                "The group must be in the autoscaler's project and zone.");
  }
  auto row = s.LoadRow(kGroupKind, "instanceGroupManagers", project, zone, ref->name);
  if (!row.ok()) return row.status();
  a.target = row->resource.value("selfLink", "");
  auto taken = LocalAutoscalers::AutoscalerOf(s, project, zone, a.target);
  if (!taken.ok()) return taken.status();
  if (!taken->empty() && *taken != a.name) {
    return Status::InvalidField("autoscaler.target", a.target,
                                "The group has an autoscaler already: '" + *taken + "'.");
  }
  auto& p = a.policy;
  if (p.max_num_replicas <= 0) {
    return Status::Required(
        "Required field 'autoscaler.autoscalingPolicy.maxNumReplicas' not specified: give the "
        "largest size the group may grow to.");
  }
  if (!p.min_num_replicas) p.min_num_replicas = 1;
  if (*p.min_num_replicas < 0 || *p.min_num_replicas > p.max_num_replicas ||
      p.max_num_replicas > 1000) {
    return Status::InvalidField(
        "autoscaler.autoscalingPolicy.minNumReplicas", std::to_string(*p.min_num_replicas),
        fmt::format("Must be between 0 and maxNumReplicas ({}), and maxNumReplicas at most 1000.",
                    p.max_num_replicas));
  }
  if (p.cool_down_period_sec == 0) p.cool_down_period_sec = 60;
  if (p.cool_down_period_sec < 1 || p.cool_down_period_sec > 3600) {
    return Status::InvalidField("autoscaler.autoscalingPolicy.coolDownPeriodSec",
                                std::to_string(p.cool_down_period_sec),
                                "Must be between 1 and 3600 seconds.");
  }
  if (p.mode.empty()) p.mode = "ON";
  if (p.cpu_utilization_target == 0) p.cpu_utilization_target = 0.6;
  if (!std::isfinite(p.cpu_utilization_target) || p.cpu_utilization_target <= 0 ||
      p.cpu_utilization_target > 1) {
    return Status::InvalidField("autoscaler.autoscalingPolicy.cpuUtilization.utilizationTarget",
                                fmt::format("{}", p.cpu_utilization_target),
                                "Must be above 0 and at most 1.");
  }
  if (p.scale_in_window_sec < 0 || p.scale_in_window_sec > 3600) {
    return Status::InvalidField("autoscaler.autoscalingPolicy.scaleInControl.timeWindowSec",
                                std::to_string(p.scale_in_window_sec),
                                "Must be between 0 and 3600 seconds.");
  }
  for (const char* k :
       {"customMetricUtilizations", "loadBalancingUtilization", "scalingSchedules"}) {
    if (p.extra.contains(k) && !compute::IsEmptyValue(p.extra[k])) {
      return Status::InvalidField(std::string("autoscaler.autoscalingPolicy.") + k, "set",
                                  "Not supported by the local cloud: its autoscalers follow the "
                                  "instances' CPU use; use cpuUtilization.");
    }
  }
  if (p.extra.contains("cpuUtilization")) {
    const Json& c = p.extra["cpuUtilization"];
    if (c.contains("predictiveMethod") && c["predictiveMethod"] != "NONE") {
      return Status::InvalidField(
          "autoscaler.autoscalingPolicy.cpuUtilization.predictiveMethod",
          c["predictiveMethod"].dump(),
          "Not supported by the local cloud: it has no history to predict from; use NONE.");
    }
  }
  if (p.extra.contains("scaleInControl") &&
      p.extra["scaleInControl"].contains("maxScaledInReplicas")) {
    return Status::InvalidField("autoscaler.autoscalingPolicy.scaleInControl.maxScaledInReplicas",
                                "set",
                                "Not supported by the local cloud: give timeWindowSec alone.");
  }
  a.status.clear();
  a.recommended_size.reset();
  a.status_details = Json::array();
  return a;
}

}  // namespace

Result<std::string> LocalAutoscalers::AutoscalerOf(LocalStore& s, const std::string& project,
                                                   const std::string& zone,
                                                   const std::string& group_link) {
  std::string found;
  Status st = s.catalog().ScanResources(kAutoscalerKind, project, zone, {}, [&](ResourceRow&& r) {
    if (r.resource.value("target", "") == group_link) {
      found = r.name;
      return false;
    }
    return true;
  });
  if (!st.ok()) return st;
  return found;
}

Result<compute::Operation> LocalAutoscalers::Insert(const std::string& project,
                                                    const std::string& zone, const Autoscaler& in,
                                                    const compute::MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  return s_.Mutate(
      project, "insert", opts,
      [&](compute::Operation* op) -> Status {
        auto a = Normalize(s_, project, zone, in);
        if (!a.ok()) return a.status();
        auto existing = s_.catalog().FindResource(kAutoscalerKind, project, zone, a->name);
        if (!existing.ok()) return existing.status();
        if (existing->has_value()) {
          return Status::ResourceExists(compute::ZonalPath(project, zone, kCollection, a->name));
        }
        ResourceRow row;
        row.kind = kAutoscalerKind;
        row.project = project;
        row.zone = zone;
        row.name = a->name;
        row.id = s_.NewId();
        row.creation_us = s_.NowUs();
        a->id = row.id;
        a->creation_timestamp = compute::FormatRfc3339(row.creation_us);
        a->zone = s_.ZoneLink(project, zone);
        a->self_link = s_.Link(compute::ZonalPath(project, zone, kCollection, a->name));
        row.resource = compute::ToJson(*a);
        IMAGO_RETURN_IF_ERROR(s_.catalog().InsertResource(row));
        op->target_link = a->self_link;
        op->target_id = row.id;
        return Status::OK();
      },
      zone);
}

Result<Autoscaler> LocalAutoscalers::Get(const std::string& project, const std::string& zone,
                                         const std::string& name) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  std::lock_guard lock(s_.mu());
  auto row = s_.LoadRow(kAutoscalerKind, kCollection, project, zone, name);
  if (!row.ok()) return row.status();
  return FromRow(*row);
}

Result<compute::ListPage<Autoscaler>> LocalAutoscalers::List(const std::string& project,
                                                             const std::string& zone,
                                                             const compute::ListOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  auto plan =
      internal::PlanList(kCollection, project, opts, compute::AutoscalerFilterSchema(), zone);
  if (!plan.ok()) return plan.status();
  std::lock_guard lock(s_.mu());
  compute::ListPage<Autoscaler> page;
  Status st = s_.catalog().ScanResources(kAutoscalerKind, project, zone, {}, [&](ResourceRow&& r) {
    auto a = FromRow(r);
    if (a.ok() && plan->filter.Matches(compute::ToJson(*a))) page.items.push_back(std::move(*a));
    return true;
  });
  if (!st.ok()) return st;
  return page;
}

Result<compute::Operation> LocalAutoscalers::Patch(const std::string& project,
                                                   const std::string& zone, const std::string& name,
                                                   const Json& patch,
                                                   const compute::MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  if (!patch.is_object()) return Status::Invalid("A patch of an autoscaler is a JSON object.");
  return s_.Mutate(
      project, "patch", opts,
      [&](compute::Operation* op) -> Status {
        auto row = s_.LoadRow(kAutoscalerKind, kCollection, project, zone, name);
        if (!row.ok()) return row.status();
        Json merged = row->resource;
        Json body = patch;
        for (const char* k : {"kind", "id", "creationTimestamp", "selfLink", "zone", "status",
                              "statusDetails", "recommendedSize"}) {
          body.erase(k);
        }
        if (body.contains("name") && body["name"] != row->name) {
          return Status::InvalidField("autoscaler.name", body["name"].dump(),
                                      "An autoscaler cannot be renamed.");
        }
        merged.merge_patch(body);
        auto next = compute::AutoscalerFromJson(merged);
        if (!next.ok()) return next.status();
        auto a = Normalize(s_, project, zone, std::move(next.value()));
        if (!a.ok()) return a.status();
        row->resource = compute::ToJson(*a);
        IMAGO_RETURN_IF_ERROR(s_.catalog().UpdateResource(*row));
        op->target_link = a->self_link;
        op->target_id = row->id;
        return Status::OK();
      },
      zone);
}

Result<compute::Operation> LocalAutoscalers::Delete(const std::string& project,
                                                    const std::string& zone,
                                                    const std::string& name,
                                                    const compute::MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  return s_.Mutate(
      project, "delete", opts,
      [&](compute::Operation* op) -> Status {
        auto row = s_.LoadRow(kAutoscalerKind, kCollection, project, zone, name);
        if (!row.ok()) return row.status();
        IMAGO_RETURN_IF_ERROR(s_.catalog().DeleteResource(row->id));
        op->target_link = row->resource.value("selfLink", "");
        op->target_id = row->id;
        return Status::OK();
      },
      zone);
}

}  // namespace imago::localcloud
