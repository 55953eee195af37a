#include "lifecycle/rotation.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "lifecycle/ancestry.h"
#include "lifecycle/usage.h"

namespace imago::lifecycle {

using compute::DeprecationState;
using compute::Image;
using compute::Result;
using compute::Status;
using compute::TimeUs;

namespace {

std::string StateName(const Image& im) {
  return im.IsDeprecated() ? compute::DeprecationStateName(im.State()) : "READY";
}

std::string Day(TimeUs t) {
  return compute::FormatRfc3339(t).substr(0, 16).replace(10, 1, " ");
}

std::optional<TimeUs> Date(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return compute::ParseTimestamp(s);
}

// Plans the images of one family.
void PlanFamily(const std::string& family, std::vector<const Image*> members, const Image* head,
                const FamilyPolicy& pol, const UsageIndex& usage, TimeUs now, Plan* plan) {
  // Newest first: `keep` counts from the top.
  std::sort(members.begin(), members.end(), [](const Image* a, const Image* b) {
    return a->creation_timestamp > b->creation_timestamp;
  });
  int kept = 0;
  for (const Image* im : members) {
    std::string state = StateName(*im);
    auto skip = [&](std::string why) {
      plan->skips.push_back({im->name, family, state, std::move(why)});
    };
    if (head && (im == head || (im->creation_timestamp == head->creation_timestamp &&
                                im->status == "READY" && !im->IsDeprecated()))) {
      skip(im == head ? "family head" : "as new as the family head");
      continue;
    }
    if (im->status != "READY") {
      skip("status " + im->status);
      continue;
    }
    auto keep_label = im->labels.find(kKeepLabel);
    if (keep_label != im->labels.end() && keep_label->second == "true") {
      skip("labelled imago-keep=true");
      continue;
    }
    const auto& uses = usage.UsesOf(im->id);
    if (!uses.empty()) {
      skip("in use by " + UsageIndex::Describe(uses));
      continue;
    }
    TimeUs created = compute::ParseTimestamp(im->creation_timestamp).value_or(now);
    TimeUs age = now - created;
    if (age < pol.min_age) {
      skip(fmt::format("younger than min_age {} (created {})", compute::FormatDuration(pol.min_age),
                       Day(created)));
      continue;
    }
    DeprecationState st = im->State();
    if ((st == DeprecationState::kActive || st == DeprecationState::kDeprecated) &&
        kept < pol.keep) {
      ++kept;
      skip(fmt::format("one of the {} newest kept usable for rollback (keep: {})", pol.keep,
                       pol.keep));
      continue;
    }
    Change c;
    c.image = im->name;
    c.image_id = im->id;
    c.family = family;
    c.from = state;
    c.status = im->deprecated.value_or(compute::DeprecationStatus{});
    c.labels = im->labels;
    c.label_fingerprint = im->label_fingerprint;
    switch (st) {
      case DeprecationState::kActive: {
        if (!head) {
          skip("the family has no head to replace it");
          continue;
        }
        if (pol.deprecate_age && age < *pol.deprecate_age) {
          skip(fmt::format("DEPRECATED when {} old, on {}",
                           compute::FormatDuration(*pol.deprecate_age),
                           Day(created + *pol.deprecate_age)));
          continue;
        }
        c.to = "DEPRECATED";
        c.status = {DeprecationState::kDeprecated, head->self_link, compute::FormatRfc3339(now),
                    compute::FormatRfc3339(now + pol.obsolete_after), ""};
        c.reason = pol.deprecate_age
                       ? fmt::format("older than {} and superseded by {}",
                                     compute::FormatDuration(*pol.deprecate_age), head->name)
                       : "superseded by " + head->name;
        break;
      }
      case DeprecationState::kDeprecated: {
        auto when = Date(c.status.obsolete);
        if (!when) {
          c.to = "DEPRECATED";
          c.status.obsolete = compute::FormatRfc3339(now + pol.obsolete_after);
          c.reason = "deprecated without an obsolete date: scheduled";
        } else if (now >= *when) {
          c.to = "OBSOLETE";
          c.status.state = DeprecationState::kObsolete;
          c.status.deleted = compute::FormatRfc3339(now + pol.delete_after);
          c.reason = "obsolete date " + Day(*when) + " has passed";
        } else {
          skip("OBSOLETE on " + Day(*when));
          continue;
        }
        break;
      }
      case DeprecationState::kObsolete: {
        auto when = Date(c.status.deleted);
        if (!when) {
          c.to = "OBSOLETE";
          c.status.deleted = compute::FormatRfc3339(now + pol.delete_after);
          c.reason = "obsolete without a deleted date: scheduled";
        } else if (now >= *when) {
          c.to = "DELETED";
          c.status.state = DeprecationState::kDeleted;
          c.purge_on = compute::FormatRfc3339(now + pol.purge_after);
          c.reason = "deleted date " + Day(*when) + " has passed";
        } else {
          skip("DELETED on " + Day(*when));
          continue;
        }
        break;
      }
      case DeprecationState::kDeleted: {
        std::optional<TimeUs> purge;
        auto label = im->labels.find(kPurgeLabel);
        if (label != im->labels.end()) purge = ParsePurgeLabel(label->second);
        if (!purge) {
          if (auto d = Date(c.status.deleted)) purge = *d + pol.purge_after;
        }
        if (!purge) {
          c.to = "DELETED";
          c.purge_on = compute::FormatRfc3339(now + pol.purge_after);
          c.reason = "deleted without a purge date: scheduled";
        } else if (now >= *purge) {
          c.to = "PURGED";
          c.reason = "purge date " + Day(*purge) + " has passed";
        } else {
          skip("really deleted on " + Day(*purge));
          continue;
        }
        break;
      }
    }
    plan->changes.push_back(std::move(c));
  }
}

}  // namespace

std::string PurgeLabelValue(TimeUs t) {
  std::string s = compute::FormatRfc3339(t);  // 2026-12-26T14:30:00.000+00:00
  return s.substr(0, 4) + s.substr(5, 2) + s.substr(8, 2) + "-" + s.substr(11, 2) +
         s.substr(14, 2) + s.substr(17, 2);
}

std::optional<TimeUs> ParsePurgeLabel(const std::string& v) {
  if (v.size() != 15 || v[8] != '-') return std::nullopt;
  std::string iso = v.substr(0, 4) + "-" + v.substr(4, 2) + "-" + v.substr(6, 2) + "T" +
                    v.substr(9, 2) + ":" + v.substr(11, 2) + ":" + v.substr(13, 2) + "Z";
  return compute::ParseTimestamp(iso);
}

namespace {

// Plans from what was listed: `all` the project's images, `vms` what uses them.
Status PlanImages(const std::vector<Image>& all, const VmResources& vms, const std::string& project,
                  const RotationPolicy& policy, const std::optional<std::string>& family,
                  TimeUs now, Plan* plan) {
  UsageIndex usage(all, vms);
  auto heads = FamilyHeads(all);
  std::map<std::string, std::vector<const Image*>> families;
  for (const Image& im : all) {
    if (im.family.empty()) continue;
    if (family && im.family != *family) continue;
    families[im.family].push_back(&im);
  }
  if (family && families.empty()) {
    return Status::NotFound("the family " + *family + " has no images in project " + project);
  }
  for (auto& [name, members] : families) {
    ++plan->families;
    plan->images += static_cast<int>(members.size());
    auto h = heads.find(name);
    PlanFamily(name, members, h == heads.end() ? nullptr : h->second, policy.For(name), usage, now,
               plan);
  }
  return Status::OK();
}

}  // namespace

Result<Plan> PlanRotation(compute::Service& svc, const std::string& project,
                          const RotationPolicy& policy, const std::optional<std::string>& family,
                          TimeUs now) {
  Plan plan;
  plan.now = now;
  // Every image of the project: who uses an image may be in another family.
  auto all = compute::ListAllImages(svc.images(), project, {}, &plan.list_calls);
  if (!all.ok()) return all.status();
  auto vms = ListVmResources(svc, project, &plan.list_calls, policy.releases_kept());
  if (!vms.ok()) return vms.status();
  Status st = PlanImages(*all, *vms, project, policy, family, now, &plan);
  if (!st.ok()) return st;
  return plan;
}

Result<std::vector<FutureState>> SimulateRotation(compute::Service& svc, const std::string& project,
                                                  const RotationPolicy& policy,
                                                  const std::optional<std::string>& family,
                                                  TimeUs from, TimeUs until) {
  if (until < from) return Status::Invalid("the date to simulate to is before today");
  if (until - from > 3700 * compute::kMicrosPerDay) {
    return Status::Invalid("a rotation can be simulated for at most ten years ahead");
  }
  auto listed = compute::ListAllImages(svc.images(), project, {});
  if (!listed.ok()) return listed.status();
  auto vms = ListVmResources(svc, project, nullptr, policy.releases_kept());
  if (!vms.ok()) return vms.status();
  std::vector<Image> images = std::move(listed.value());
  std::vector<FutureState> out;
  std::map<std::string, size_t> row;  // Image name -> its row in `out`.
  for (const Image& im : images) {
    if (im.family.empty() || (family && im.family != *family)) continue;
    row[im.name] = out.size();
    out.push_back({im.name, im.family, StateName(im), StateName(im), "", ""});
  }
  // One run a day from `from`, and the last one on `until` itself.
  for (TimeUs t = from;; t = std::min(t + compute::kMicrosPerDay, until)) {
    Plan plan;
    Status st = PlanImages(images, *vms, project, policy, family, t, &plan);
    if (st.code() == compute::Code::kNotFound && family) break;  // Every image purged.
    if (!st.ok()) return st;
    for (const Change& c : plan.changes) {
      auto it = std::find_if(images.begin(), images.end(),
                             [&](const Image& im) { return im.name == c.image; });
      if (it == images.end()) continue;
      if (c.to == "PURGED") {
        images.erase(it);
      } else {
        it->deprecated = c.status;
        if (!c.purge_on.empty()) {
          it->labels[kPurgeLabel] = PurgeLabelValue(*compute::ParseTimestamp(c.purge_on));
        }
      }
      auto r = row.find(c.image);
      if (r == row.end() || c.from == c.to) continue;
      FutureState& f = out[r->second];
      f.then = c.to;
      f.since = compute::FormatRfc3339(t);
      f.why = c.reason;
    }
    if (t >= until) {
      // What keeps the others as they are, as the last run saw it.
      for (const Skip& k : plan.skips) {
        auto r = row.find(k.image);
        if (r != row.end() && out[r->second].since.empty()) out[r->second].why = k.reason;
      }
      break;
    }
  }
  return out;
}

ApplyResult ApplyPlan(compute::Service& svc, const std::string& project, const Plan& plan,
                      const std::function<void(const Change&)>& on_applied) {
  ApplyResult result;
  for (const Change& c : plan.changes) {
    Status st;
    if (c.to == "PURGED") {
      st = svc.images().Delete(project, c.image, {}).status();
    } else {
      if (c.from != c.to || c.purge_on.empty()) {
        st = svc.images().Deprecate(project, c.image, c.status, {}).status();
      }
      if (st.ok() && !c.purge_on.empty()) {
        // The purge date goes in a label: DeprecationStatus has no field for it.
        compute::Labels labels = c.labels;
        std::string fingerprint = c.label_fingerprint;
        for (int attempt = 0; attempt < 5; ++attempt) {
          labels[kPurgeLabel] = PurgeLabelValue(*compute::ParseTimestamp(c.purge_on));
          st = svc.images().SetLabels(project, c.image, labels, fingerprint, {}).status();
          if (st.code() != compute::Code::kConditionNotMet) break;
          auto im = svc.images().Get(project, c.image);  // Changed since the plan: read again.
          if (!im.ok()) {
            st = im.status();
            break;
          }
          labels = im->labels;
          fingerprint = im->label_fingerprint;
        }
      }
    }
    if (st.ok()) {
      ++result.applied;
      if (on_applied) on_applied(c);
    } else {
      result.failed.emplace_back(c, st);
    }
  }
  return result;
}

}  // namespace imago::lifecycle
