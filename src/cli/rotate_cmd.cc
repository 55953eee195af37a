// imago rotate ...: the image rotator; imago images outdated.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "base/file_lock.h"
#include "cli/commands.h"
#include "cli/resource_cmd.h"
#include "compute/json_codec.h"
#include "compute/resource_ref.h"
#include "compute/time_util.h"
#include "lifecycle/ancestry.h"
#include "lifecycle/audit.h"
#include "lifecycle/rotation.h"

namespace imago::cli {

using compute::Status;

namespace {

struct RotateFlags {
  std::string family, policy;
  bool all = false, dry_run = false;
  int wait = 60;
};

std::string Short(const std::string& rfc3339) {
  return rfc3339.empty() ? "-" : rfc3339.substr(0, 10);
}

std::string LastPart(const std::string& url) {
  return url.empty() ? "-" : url.substr(url.rfind('/') + 1);
}

Json ChangeJson(const lifecycle::Change& c) {
  Json j = {{"image", c.image}, {"family", c.family}, {"from", c.from},
            {"to", c.to},       {"reason", c.reason}, {"deprecated", compute::ToJson(c.status)}};
  if (!c.purge_on.empty()) j["purgeOn"] = c.purge_on;
  return j;
}

// Waits up to `seconds` for the rotation lock of this home.
compute::Result<base::FileLock> RotationLock(Context& ctx, int seconds) {
  std::string path = ctx.Home() + "/rotate.lock";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  bool told = false;
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);  // The first rotation makes it.
  if (fd >= 0) close(fd);
  while (true) {
    bool busy = false;
    auto lock = base::FileLock::TryAcquire(path, &busy);
    if (lock.ok()) return lock;
    if (!busy) return lock.status();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable(fmt::format(
          "another rotation is running in {} (it holds {}); nothing was changed, try again "
          "when it is done",
          ctx.Home(), path));
    }
    if (!told) {
      std::cerr << "Waiting for another rotation to finish (up to " << seconds << " s)...\n";
      told = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Json FutureJson(const lifecycle::FutureState& s) {
  return {{"image", s.image}, {"family", s.family}, {"today", s.now},
          {"state", s.then},  {"since", s.since},   {"why", s.why}};
}

int RunRotate(Context& ctx, const RotateFlags& f) {
  const char* cmd = "rotate";
  if (f.all == !f.family.empty()) return ctx.Usage(cmd, "give either --family FAMILY or --all");
  lifecycle::RotationPolicy policy;
  if (!f.policy.empty()) {
    auto p = lifecycle::RotationPolicy::Load(f.policy);
    if (!p.ok()) return ctx.Fail(cmd, p.status());
    policy = std::move(p.value());
  }
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  std::optional<base::FileLock> lock;
  if (!f.dry_run) {
    auto l = RotationLock(ctx, f.wait);
    if (!l.ok()) return ctx.Fail(cmd, l.status());
    lock = std::move(l.value());
  }
  compute::TimeUs now = ctx.Clock().Now();
  std::optional<std::string> family;
  if (!f.family.empty()) family = f.family;
  auto plan = lifecycle::PlanRotation(*svc, ctx.g.project, policy, family, now);
  if (!plan.ok()) return ctx.Fail(cmd, plan.status());

  // A dry run at a later date: the state each image will have then, with a
  // rotation every day until then (the plan of one run on that date would
  // show only the next step from today's states).
  std::optional<std::vector<lifecycle::FutureState>> future;
  compute::TimeUs today = compute::SystemClock().Now();
  if (f.dry_run && now > today + compute::kMicrosPerDay) {
    auto sim = lifecycle::SimulateRotation(*svc, ctx.g.project, policy, family, today, now);
    if (!sim.ok()) return ctx.Fail(cmd, sim.status());
    future = std::move(sim.value());
  }

  lifecycle::ApplyResult result;
  if (!f.dry_run && !plan->changes.empty()) {
    lifecycle::AuditLog audit(ctx.Home() + "/rotate-audit.jsonl");
    std::string who = lifecycle::WhoAmI();
    result = lifecycle::ApplyPlan(*svc, ctx.g.project, *plan, [&](const lifecycle::Change& c) {
      Status st = audit.Record(ctx.g.project, c, now, who);
      if (!st.ok()) ctx.Warn("audit log: " + st.message());
    });
  }

  Format fmt = ctx.OutputFormat(Format::kTable);
  if (fmt != Format::kTable) {
    Json changes = Json::array(), skipped = Json::array(), failed = Json::array();
    for (const auto& c : plan->changes) changes.push_back(ChangeJson(c));
    for (const auto& s : plan->skips) {
      skipped.push_back(
          {{"image", s.image}, {"family", s.family}, {"state", s.state}, {"reason", s.reason}});
    }
    for (const auto& [c, st] : result.failed) {
      failed.push_back({{"image", c.image}, {"to", c.to}, {"error", compute::ErrorJson(st)}});
    }
    Json out{{"now", compute::FormatRfc3339(now)},
             {"dryRun", f.dry_run},
             {"families", plan->families},
             {"images", plan->images},
             {"changes", changes},
             {"skipped", skipped},
             {"applied", result.applied},
             {"failed", failed}};
    if (future) {
      out["onDate"] = Json::array();
      for (const auto& s : *future) out["onDate"].push_back(FutureJson(s));
    }
    PrintResource(std::cout, fmt, out);
  } else if (future) {
    std::cout << fmt::format(
        "States on {} of {} famil{} ({} images), if imago rotate runs every day from today "
        "({}) with this policy and no image is added:\n",
        Short(compute::FormatRfc3339(now)), plan->families, plan->families == 1 ? "y" : "ies",
        future->size(), Short(compute::FormatRfc3339(today)));
    std::vector<Json> rows;
    for (const auto& s : *future) rows.push_back(FutureJson(s));
    PrintTable(std::cout, rows,
               {{"IMAGE", [](const Json& j) { return Field(j, "image"); }},
                {"FAMILY", [](const Json& j) { return Field(j, "family"); }},
                {"TODAY", [](const Json& j) { return Field(j, "today"); }},
                {"ON_DATE", [](const Json& j) { return Field(j, "state"); }},
                {"SINCE", [](const Json& j) { return Short(Field(j, "since")); }},
                {"WHY", [](const Json& j) { return Field(j, "why"); }}});
  } else {
    std::cout << fmt::format("Rotation {}at {} of {} famil{} ({} images):\n",
                             f.dry_run ? "plan (dry run) " : "", compute::FormatRfc3339(now),
                             plan->families, plan->families == 1 ? "y" : "ies", plan->images);
    if (plan->changes.empty()) {
      std::cout << "Nothing to change.\n";
    } else {
      std::vector<Json> rows;
      for (const auto& c : plan->changes) rows.push_back(ChangeJson(c));
      PrintTable(
          std::cout, rows,
          {{"IMAGE", [](const Json& j) { return Field(j, "image"); }},
           {"FAMILY", [](const Json& j) { return Field(j, "family"); }},
           {"FROM", [](const Json& j) { return Field(j, "from"); }},
           {"TO", [](const Json& j) { return Field(j, "to"); }},
           {"REPLACEMENT",
            [](const Json& j) { return LastPart(Field(j, "deprecated.replacement")); }},
           {"OBSOLETE", [](const Json& j) { return Short(Field(j, "deprecated.obsolete")); }},
           {"DELETED", [](const Json& j) { return Short(Field(j, "deprecated.deleted")); }},
           {"PURGE", [](const Json& j) { return Short(Field(j, "purgeOn")); }},
           {"REASON", [](const Json& j) { return Field(j, "reason"); }}});
    }
    if (!plan->skips.empty()) {
      std::vector<Json> rows;
      for (const auto& s : plan->skips) {
        rows.push_back(
            {{"image", s.image}, {"family", s.family}, {"state", s.state}, {"reason", s.reason}});
      }
      std::cout << "\nLeft as they are:\n";
      PrintTable(std::cout, rows,
                 {{"IMAGE", [](const Json& j) { return Field(j, "image"); }},
                  {"FAMILY", [](const Json& j) { return Field(j, "family"); }},
                  {"STATE", [](const Json& j) { return Field(j, "state"); }},
                  {"WHY", [](const Json& j) { return Field(j, "reason"); }}});
    }
  }
  for (const auto& [c, st] : result.failed) {
    std::cerr << "ERROR: (imago.rotate) " << c.image << " " << c.from << " -> " << c.to << ": "
              << st.message() << "\n";
  }
  if (!f.dry_run && !plan->changes.empty()) {
    std::cerr << "Applied " << result.applied << " of " << plan->changes.size() << " change(s)"
              << (result.failed.empty() ? "." : "; run again to retry the others.") << "\n";
  }
  ctx.exit_code = result.failed.empty() ? kExitOk : kExitPartial;
  return ctx.exit_code;
}

int RunRotateLog(Context& ctx, const std::string& family, int64_t limit) {
  lifecycle::AuditLog audit(ctx.Home() + "/rotate-audit.jsonl");
  std::optional<std::string> f;
  if (!family.empty()) f = family;
  auto entries = audit.Read(f);
  if (!entries.ok()) return ctx.Fail("rotate.log", entries.status());
  std::vector<Json> rows = std::move(entries.value());
  if (limit >= 0 && rows.size() > static_cast<size_t>(limit)) {
    rows.erase(rows.begin(), rows.end() - limit);  // The newest `limit`.
  }
  PrintList(std::cout, ctx.OutputFormat(Format::kTable), rows,
            {{"TIME", [](const Json& j) { return Field(j, "time").substr(0, 19); }},
             {"IMAGE", [](const Json& j) { return Field(j, "image"); }},
             {"FAMILY", [](const Json& j) { return Field(j, "family"); }},
             {"FROM", [](const Json& j) { return Field(j, "from"); }},
             {"TO", [](const Json& j) { return Field(j, "to"); }},
             {"REASON", [](const Json& j) { return Field(j, "reason"); }},
             {"WHO", [](const Json& j) { return Field(j, "who"); }}});
  return kExitOk;
}

// Every disk of the project, in every zone.
compute::Result<std::vector<compute::Disk>> AllDisks(Context& ctx, compute::Service& svc) {
  auto list = ZonalList<compute::Disk>({}, [&](const compute::ListOptions& o) {
    return svc.disks().AggregatedList(ctx.g.project, o);
  });
  std::vector<compute::Disk> all;
  compute::ListOptions o;
  do {
    auto page = list(o);
    if (!page.ok()) return page.status();
    for (auto& d : page->items) all.push_back(std::move(d));
    o.page_token = page->next_page_token;
  } while (!o.page_token.empty());
  return all;
}

int RunOutdated(Context& ctx, const std::string& family) {
  const char* cmd = "images.outdated";
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  auto listed = compute::ListAllImages(svc->images(), ctx.g.project);
  if (!listed.ok()) return ctx.Fail(cmd, listed.status());
  auto disks = AllDisks(ctx, *svc);
  if (!disks.ok()) return ctx.Fail(cmd, disks.status());
  const std::vector<compute::Image>& all = *listed;
  std::optional<std::string> f;
  if (!family.empty()) f = family;
  std::vector<Json> rows;
  for (const auto& o : lifecycle::FindOutdated(all, f)) {
    std::string why =
        o.stale ? fmt::format("built on {}, no longer the head of {} ({})", o.stale->name,
                              o.stale->family, o.head ? "now " + o.head->name : "it has no head")
                : fmt::format("built on {}, which no longer exists", o.gone);
    rows.push_back({{"kind", "image"},
                    {"name", o.image->name},
                    {"zone", ""},
                    {"image", o.image->name},
                    {"family", o.image->family},
                    {"staleAncestor", o.stale ? o.stale->name : o.gone},
                    {"ancestorFamily", o.stale ? o.stale->family : ""},
                    {"ancestorGone", o.stale == nullptr},
                    {"replacedBy", o.head ? o.head->name : ""},
                    {"generations", o.depth},
                    {"why", why}});
  }
  // The VMs and disks that run what the families have moved past: a disk
  // attached to a VM is shown as that VM (its boot disk, as a rule).
  for (const auto& s : lifecycle::FindStaleDisks(*disks, all, f)) {
    const compute::Disk& d = *s.disk;
    bool attached = !d.users.empty();
    rows.push_back({{"kind", attached ? "instance" : "disk"},
                    {"name", attached ? compute::LastSegment(d.users[0]) : d.name},
                    {"zone", compute::LastSegment(d.zone)},
                    {"disk", d.name},
                    {"image", s.image ? s.image->name : compute::LastSegment(d.source_image)},
                    {"family", s.image ? s.image->family : ""},
                    {"why", s.why}});
  }
  PrintList(std::cout, ctx.OutputFormat(Format::kTable), rows,
            {{"KIND", [](const Json& j) { return Field(j, "kind"); }},
             {"NAME", [](const Json& j) { return Field(j, "name"); }},
             {"ZONE", [](const Json& j) { return Field(j, "zone"); }},
             {"IMAGE", [](const Json& j) { return Field(j, "image"); }},
             {"WHY", [](const Json& j) { return Field(j, "why"); }}});
  if (rows.empty() && ctx.OutputFormat(Format::kTable) == Format::kTable) {
    std::cerr << "Nothing outdated: every chain is built on its families' heads, and every VM "
                 "and disk runs a head.\n";
  }
  return kExitOk;
}

}  // namespace

void AddRotateCommands(CLI::App& root, Context& ctx) {
  auto f = std::make_shared<RotateFlags>();
  CLI::App* r = root.add_subcommand(
      "rotate", "Move old images of families along DEPRECATED -> OBSOLETE -> DELETED -> gone");
  r->add_option("--family", f->family, "Rotate this family");
  r->add_flag("--all", f->all, "Rotate every family");
  r->add_option("--policy", f->policy,
                "Policy file (YAML, docs/rotation.md); default policy if not given");
  r->add_flag("--dry-run", f->dry_run, "Print the plan, change nothing");
  r->add_option("--wait", f->wait, "Seconds to wait for another rotation to finish (default 60)");
  r->require_subcommand(0, 1);
  r->footer(
      "Examples:\n"
      "  imago rotate --family app --dry-run\n"
      "  imago rotate --all --policy rotation.yaml\n"
      "  imago rotate --all --now 2027-03-01T00:00:00Z --dry-run    # each image's state in March\n"
      "  imago rotate log --family app\n\n"
      "Exit codes: 0 done (or nothing to do), 2 usage, 3 bad policy, 4 no such family,\n"
      "8 another rotation holds the lock, 10 some changes failed (the rest applied).");
  auto log_family = std::make_shared<std::string>();
  auto log_limit = std::make_shared<int64_t>(-1);
  CLI::App* log = r->add_subcommand("log", "The audit log of rotations");
  log->add_option("--family", *log_family, "Only this family");
  log->add_option("--limit", *log_limit, "Only the newest N entries");
  log->callback([&ctx, log_family, log_limit] { RunRotateLog(ctx, *log_family, *log_limit); });
  r->callback([&ctx, f, r] {
    if (r->got_subcommand("log")) return;
    RunRotate(ctx, *f);
  });

  CLI::App* images = root.get_subcommand("images");
  auto family = std::make_shared<std::string>();
  CLI::App* o = images->add_subcommand(
      "outdated",
      "Images built on an image that is no longer its family's head (or is gone), and the "
      "VMs and disks that run such images");
  o->add_option("--family", *family, "Only images of this family");
  o->footer(
      "Examples:\n  imago images outdated\n  imago images outdated --family product --format "
      "json\n\nKinds: image (rebuild it: imago bake --cascade), instance and disk (on an image "
      "its family moved past: deploy the head, or recreate the disk).");
  o->callback([&ctx, family] { RunOutdated(ctx, *family); });
}

}  // namespace imago::cli
