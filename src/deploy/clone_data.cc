#include "deploy/clone_data.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "base/subprocess.h"
#include "compute/resource_ref.h"
#include "compute/types.h"
#include "deploy/deployer.h"
#include "lifecycle/release_ledger.h"

namespace imago::deploy {

using compute::Code;
using compute::Json;
using compute::Result;
using compute::Status;

namespace {

// The job VM's startup script: fetch restore and scrub from the metadata
// server, the backup from the host, run them in order on the cloned disks,
// and say how each ended on the console, where ApplyClone reads it.
constexpr const char* kCloneJob = R"SH(#!/bin/sh
# imago env clone-data: restore the newest backup, then scrub, on data disks
# cloned from another environment; each step's end goes to the console.
md=http://169.254.169.254/computeMetadata/v1/instance/attributes
get() {
  wget -q -O "$2" --header 'Metadata-Flavor: Google' "$md/$1" 2>/dev/null ||
    curl -sf -o "$2" -H 'Metadata-Flavor: Google' "$md/$1"
}
say() { echo "imago-clone: $*" >/dev/console; }
fail() { say "$1"; say "done ${2:-1}"; exit "${2:-1}"; }
# run STEP: runs STEP.sh, its output on the console line by line as
# "imago-clone: | LINE" (imago shows them), its exit code in $rc.
run() {
  { sh "$1.sh" 2>&1; echo $? >"$1.rc"; } | while IFS= read -r l; do say "| $l"; done
  rc=$(cat "$1.rc")
}
dir=/run/imago/clone
mkdir -p "$dir" && cd "$dir" || fail "cannot make $dir"
get imago-clone-from from && IMAGO_CLONE_FROM=$(cat from) && export IMAGO_CLONE_FROM
if get imago-clone-restore restore.sh; then
  get imago-clone-backup-url url || fail "restore: no backup URL in the metadata"
  wget -q -O backup "$(cat url)" 2>/dev/null || curl -sf -o backup "$(cat url)" ||
    fail "restore: cannot fetch the backup from the host"
  get imago-clone-backup-sha256 want || fail "restore: no backup checksum in the metadata"
  if command -v sha256sum >/dev/null 2>&1; then
    [ "$(sha256sum backup | cut -d' ' -f1)" = "$(cat want)" ] ||
      fail "restore: the backup arrived damaged (sha256 differs)"
  fi
  export IMAGO_BACKUP=$dir/backup
  run restore
  rm -f backup
  [ "$rc" = 0 ] || fail "restore exit $rc" "$rc"
  say "restore exit 0"
fi
if get imago-clone-scrub scrub.sh; then
  run scrub
  [ "$rc" = 0 ] || fail "scrub exit $rc" "$rc"
  say "scrub exit 0"
fi
sync
say "done 0"
)SH";

constexpr const char* kLabelService = "imago-service";
constexpr const char* kLabelEnv = "imago-env";
constexpr const char* kLabelClone = "imago-clone";
constexpr const char* kLabelFrom = "imago-clone-from";

bool HasLabels(const compute::Labels& l, const std::string& service, const std::string& env) {
  auto s = l.find(kLabelService);
  auto e = l.find(kLabelEnv);
  return s != l.end() && s->second == service && e != l.end() && e->second == env;
}

std::string LabelOf(const compute::Labels& l, const char* key) {
  auto it = l.find(key);
  return it == l.end() ? "" : it->second;
}

Result<std::string> FileSha256(const std::string& path, int64_t* bytes) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::Unavailable("cannot read " + path);
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  *bytes = 0;
  while (f) {
    f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(f.gcount()));
    *bytes += f.gcount();
  }
  if (f.bad()) return Status::Unavailable("cannot read " + path);
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_DigestFinal_ex(ctx.get(), d, &n);
  std::string hex;
  for (unsigned i = 0; i < n; ++i) hex += fmt::format("{:02x}", d[i]);
  return hex;
}

// The newest file of `dir` (by modification time; FILE.sha256 files are
// checksums, not backups), checked: a .gz must pass gzip -t, and a
// FILE.sha256 beside it must match.
Status PickBackup(const std::string& dir, ClonePlan* plan) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_time_type newest{};
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.starts_with(".") || name.ends_with(".sha256")) continue;
    if (plan->backup.empty() || e.last_write_time() > newest) {
      newest = e.last_write_time();
      plan->backup = fs::absolute(e.path(), ec).lexically_normal().string();
    }
  }
  if (ec) return Status::Unavailable(fmt::format("cannot list {}: {}", dir, ec.message()));
  if (plan->backup.empty()) {
    return Status::NotFound(fmt::format(
        "No backup in {} (clone_data.backups): put the newest database dump there.", dir));
  }
  struct stat st;
  if (stat(plan->backup.c_str(), &st) == 0) {
    plan->backup_mtime =
        compute::FormatRfc3339(static_cast<compute::TimeUs>(st.st_mtime) * 1000000);
  }
  auto sum = FileSha256(plan->backup, &plan->backup_bytes);
  if (!sum.ok()) return sum.status();
  plan->backup_sha256 = *sum;
  if (plan->backup.ends_with(".gz")) {
    auto t = base::RunProcess({"gzip", "-t", plan->backup});
    if (!t.ok()) return t.status();
    if (t->exit_code != 0) {
      return Status::Invalid(fmt::format(
          "The newest backup {} is corrupt (gzip -t: {}); replace or remove it, then clone again.",
          plan->backup, base::FirstLine(t->err)));
    }
  }
  std::ifstream want(plan->backup + ".sha256");
  std::string w;
  if (want >> w && w != plan->backup_sha256) {
    return Status::Invalid(fmt::format(
        "The newest backup {} is corrupt: its sha256 is {}, {}.sha256 says {}; replace or remove "
        "it, then clone again.",
        plan->backup, plan->backup_sha256, plan->backup, w));
  }
  return Status::OK();
}

// Writes (or, with nullopt, removes) the clone record, compare-and-set with
// the project's other metadata.
Status WriteRecord(compute::Service& svc, const std::string& project, const std::string& service,
                   const std::string& env, const std::optional<CloneRecord>& r) {
  const std::string key = CloneKey(service, env);
  lifecycle::ReleaseLedger ledger(svc.projects(), project, service, env);
  return ledger.Update([&](auto*, std::vector<std::pair<std::string, std::string>>* extra) {
    std::erase_if(*extra, [&](const auto& kv) { return kv.first == key; });
    if (r) extra->emplace_back(key, ToJson(*r).dump());
    return Status::OK();
  });
}

std::string Stamp(compute::TimeUs now) {
  std::string t = compute::FormatRfc3339(now);  // 2026-11-28T16:50:07.123Z
  std::string out;
  for (char ch : t.substr(0, 19)) {
    if (ch >= '0' && ch <= '9') out.push_back(ch);
    if (out.size() == 8 && ch == 'T') out.push_back('-');
  }
  return out;  // 20261128-165007
}

}  // namespace

std::string StatefulBaseName(const std::string& prefix) {
  return prefix + "-###";
}

std::string StatefulInstanceName(const std::string& prefix, int index) {
  return fmt::format("{}-{:03d}", prefix, index);
}

std::string DataVmName(const Environment& env, int index) {
  return env.kind == Kind::kInstance ? env.Prefix() : StatefulInstanceName(env.Prefix(), index);
}

std::string CloneKey(const std::string& service, const std::string& env) {
  return kClonePrefix + service + "-" + env;
}

Json ToJson(const CloneRecord& r) {
  Json disks = Json::array();
  for (const auto& d : r.disks) {
    disks.push_back({{"device", d.device},
                     {"sourceDisk", d.source_disk},
                     {"snapshot", d.snapshot},
                     {"snapshotTaken", d.take_snapshot},
                     {"disk", d.target_disk},
                     {"sizeGb", d.size_gb}});
  }
  Json j = {{"service", r.service},   {"env", r.env},   {"id", r.id},       {"state", r.state},
            {"from", r.from},         {"zone", r.zone}, {"image", r.image}, {"started", r.started},
            {"finished", r.finished}, {"who", r.who},   {"owner", r.owner}, {"disks", disks},
            {"result", r.result}};
  if (!r.backup.empty()) {
    j["backup"] = {{"file", r.backup}, {"bytes", r.backup_bytes}, {"sha256", r.backup_sha256}};
  }
  return j;
}

Result<CloneRecord> CloneRecordFromJson(const Json& j) {
  try {
    CloneRecord r;
    r.service = j.value("service", "");
    r.env = j.value("env", "");
    r.id = j.at("id").get<std::string>();
    r.state = j.at("state").get<std::string>();
    r.from = j.value("from", "");
    r.zone = j.value("zone", "");
    r.image = j.value("image", "");
    r.started = j.value("started", "");
    r.finished = j.value("finished", "");
    r.who = j.value("who", "");
    r.owner = j.value("owner", "");
    r.result = j.value("result", "");
    for (const auto& d : j.value("disks", Json::array())) {
      r.disks.push_back({d.value("device", ""), d.value("sourceDisk", ""), d.value("snapshot", ""),
                         d.value("snapshotTaken", false), d.value("disk", ""),
                         d.value("sizeGb", int64_t{0})});
    }
    if (j.contains("backup")) {
      r.backup = j["backup"].value("file", "");
      r.backup_bytes = j["backup"].value("bytes", int64_t{0});
      r.backup_sha256 = j["backup"].value("sha256", "");
    }
    return r;
  } catch (const std::exception& e) {
    return Status::Internal(std::string("a clone record that is not one: ") + e.what());
  }
}

Result<std::optional<CloneRecord>> ReadClone(compute::Projects& projects,
                                             const std::string& project, const std::string& service,
                                             const std::string& env) {
  auto p = projects.Get(project);
  if (!p.ok()) return p.status();
  auto v = p->common_instance_metadata.Get(CloneKey(service, env));
  if (!v) return std::optional<CloneRecord>();
  Json j = Json::parse(*v, nullptr, false);
  if (j.is_discarded()) {
    return Status::Internal(
        fmt::format("The project metadata key {} is not a clone record.", CloneKey(service, env)));
  }
  auto r = CloneRecordFromJson(j);
  if (!r.ok()) return r.status();
  return std::optional<CloneRecord>(*r);
}

Result<ClonePlan> PlanClone(compute::Service& svc, const compute::Clock& clock,
                            const Environment& target, const std::string& from_arg,
                            bool newest_snapshots) {
  const std::string& project = target.project;
  const std::string prefix = target.Prefix();
  if (target.data_disks.empty()) {
    return Status::Invalid(
        fmt::format("{}: the environment has no data_disks; clone-data fills those (docs/data.md).",
                    target.file));
  }
  ClonePlan plan;
  plan.target = target;
  plan.from = !from_arg.empty() ? from_arg : target.clone_data ? target.clone_data->from : "";
  if (plan.from.empty()) {
    return Status::Required(fmt::format(
        "{}: which environment's data? Give --from ENV or clone_data.from.", target.file));
  }
  if (plan.from == target.name) {
    return Status::Invalid(fmt::format("--from {} is the environment cloned into.", plan.from));
  }
  plan.zone = target.zone;
  plan.job_vm = prefix + "-clone";

  // The source: its live release says its image and zone.
  auto releases =
      lifecycle::ReleaseLedger(svc.projects(), project, target.service, plan.from).Read();
  if (!releases.ok()) return releases.status();
  const lifecycle::Release* live = nullptr;
  for (const auto& r : *releases) {
    if (r.state == lifecycle::release_state::kLive) live = &r;
  }
  if (!live) {
    return Status::NotReady(fmt::format(
        "{}-{} has no live release (imago releases {}); deploy it before cloning its data.",
        target.service, plan.from, plan.from));
  }
  plan.image = live->image;
  plan.source_zone = live->zone;
  const std::string& source_zone = plan.source_zone;

  auto previous = ReadClone(svc.projects(), project, target.service, target.name);
  if (!previous.ok()) return previous.status();
  if (*previous && (*previous)->state == clone_state::kDone) {
    return Status::AlreadyExists(fmt::format(
        "{} holds data cloned from {} at {} already; imago env destroy {} first, then clone "
        "again.",
        prefix, (*previous)->from, (*previous)->finished, target.name));
  }
  if (*previous) {
    // This machine's lock is held: a CLONING record of this host is a dead
    // process's. Another host's may be alive there.
    const std::string& owner = (*previous)->owner;
    const std::string host = CurrentUser().substr(CurrentUser().find('@'));
    if (!owner.empty() && owner.find(host + " pid ") == std::string::npos) {
      return Status::ResourceInUse(fmt::format(
          "{} is being cloned into by {} (or that process died there): run clone-data there, "
          "or imago env destroy {} to start over.",
          prefix, owner, target.name));
    }
    plan.previous = *previous;
    plan.notes.push_back(fmt::format(
        "a clone that did not finish ({}, started {}): its job VM and the disks it made are "
        "deleted first (copies that never served)",
        (*previous)->state, (*previous)->started));
  }
  const std::string undo_id = plan.previous ? plan.previous->id : "";

  // The target must hold no data of its own: a clone never replaces data.
  auto target_disks = compute::ListAllDisks(svc.disks(), project, target.zone);
  if (!target_disks.ok()) return target_disks.status();
  std::vector<std::string> own;
  for (const auto& d : *target_disks) {
    if (!HasLabels(d.labels, target.service, target.name)) continue;
    if (!undo_id.empty() && LabelOf(d.labels, kLabelClone) == undo_id) continue;
    own.push_back(d.name);
  }
  if (!own.empty()) {
    return Status::AlreadyExists(fmt::format(
        "{} has data disks already ({}); a clone does not overwrite data: imago env destroy {} "
        "first, then clone.",
        prefix, fmt::join(own, ", "), target.name));
  }
  if (!plan.previous && svc.instances().Get(project, target.zone, plan.job_vm).ok()) {
    return Status::AlreadyExists(fmt::format(
        "An instance {} exists and is not a clone's; delete it or rename it, then clone.",
        plan.job_vm));
  }

  // The source's disks, per VM: NAME-DEVICE for each device of the target.
  auto source_disks = compute::ListAllDisks(svc.disks(), project, source_zone);
  if (!source_disks.ok()) return source_disks.status();
  std::map<std::string, std::map<std::string, const compute::Disk*>> by_vm;
  for (const auto& d : *source_disks) {
    if (!HasLabels(d.labels, target.service, plan.from)) continue;
    for (const auto& dd : target.data_disks) {
      const std::string suffix = "-" + dd.device;
      if (d.name.size() > suffix.size() && d.name.ends_with(suffix)) {
        by_vm[d.name.substr(0, d.name.size() - suffix.size())][dd.device] = &d;
      }
    }
  }
  std::vector<std::string> vms;
  for (const auto& [vm, devs] : by_vm) {
    if (devs.size() == target.data_disks.size()) vms.push_back(vm);
  }
  if (static_cast<int>(vms.size()) < target.size) {
    std::vector<std::string> devices;
    for (const auto& dd : target.data_disks) devices.push_back(dd.device);
    return Status::NotFound(fmt::format(
        "{}-{} has data disks ({}) for {} VM(s); {} needs {} (its size). Are the devices the "
        "same in both files?",
        target.service, plan.from, fmt::join(devices, ", "), vms.size(), prefix, target.size));
  }
  if (static_cast<int>(vms.size()) > target.size) {
    plan.notes.push_back(fmt::format("{} of {}'s {} VMs are copied (the size of {})", target.size,
                                     plan.from, vms.size(), target.name));
  }

  // The snapshots: the newest READY one of each source disk, or new ones
  // (those a previous unfinished clone took are used again).
  std::vector<compute::Snapshot> snapshots;
  if (newest_snapshots || plan.previous) {
    compute::ListOptions o;
    for (;;) {
      auto page = svc.snapshots().List(project, o);
      if (!page.ok()) return page.status();
      for (auto& s : page->items) snapshots.push_back(std::move(s));
      if (page->next_page_token.empty()) break;
      o.page_token = page->next_page_token;
    }
  }
  const std::string id = Stamp(clock.Now());
  for (int i = 0; i < target.size; ++i) {
    for (const auto& dd : target.data_disks) {
      const compute::Disk* src = by_vm[vms[i]][dd.device];
      CloneDisk cd;
      cd.device = dd.device;
      cd.source_disk = src->name;
      cd.target_disk = DataVmName(target, i + 1) + "-" + dd.device;
      cd.size_gb = std::max(src->size_gb, dd.size_gb);
      // A disk of that name that is not dev's (dev's own were refused above).
      for (const auto& d : *target_disks) {
        if (d.name != cd.target_disk ||
            (!undo_id.empty() && LabelOf(d.labels, kLabelClone) == undo_id)) {
          continue;
        }
        return Status::AlreadyExists(fmt::format(
            "A disk {} exists{} and is not {}'s; {}'s first VM needs that name: delete or rename "
            "it, then clone.",
            d.name,
            d.users.empty() ? "" : " (attached to " + compute::LastSegment(d.users[0]) + ")",
            target.name, target.name));
      }
      const compute::Snapshot* chosen = nullptr;
      for (const auto& s : snapshots) {
        if (s.status != "READY" || compute::LastSegment(s.source_disk) != src->name) continue;
        bool reuse = plan.previous && LabelOf(s.labels, kLabelClone) == undo_id;
        if (!newest_snapshots && !reuse) continue;
        if (!chosen || s.creation_timestamp > chosen->creation_timestamp) chosen = &s;
      }
      if (chosen) {
        cd.snapshot = chosen->name;
        cd.take_snapshot = false;
      } else if (newest_snapshots) {
        return Status::NotFound(fmt::format(
            "{}'s disk {} has no READY snapshot; drop --snapshot newest to take one now.",
            plan.from, src->name));
      } else {
        cd.snapshot = cd.target_disk + "-" + id;
        cd.take_snapshot = true;
        if (cd.snapshot.size() > 63) {
          return Status::Invalid(fmt::format(
              "The snapshot name {} would be longer than 63 characters; use a shorter service "
              "or environment name.",
              cd.snapshot));
        }
      }
      plan.disks.push_back(cd);
    }
  }
  if (target.clone_data && !target.clone_data->backups.empty()) {
    IMAGO_RETURN_IF_ERROR(PickBackup(target.clone_data->backups, &plan));
  }
  return plan;
}

std::string FormatClonePlan(const ClonePlan& p) {
  std::string out = fmt::format("Clone the data of {}-{} into {}:\n", p.target.service, p.from,
                                p.target.Prefix());
  for (const auto& n : p.notes) out += "  note: " + n + "\n";
  for (const auto& d : p.disks) {
    out += d.take_snapshot
               ? fmt::format("  + snapshot {} of {}\n", d.snapshot, d.source_disk)
               : fmt::format("  = snapshot {} of {} (exists; kept)\n", d.snapshot, d.source_disk);
    out += fmt::format("  + disk {} ({} GB) from it\n", d.target_disk, d.size_gb);
  }
  const CloneSpec* cs = p.target.clone_data ? &*p.target.clone_data : nullptr;
  out += fmt::format("  + job VM {} of image {} (deleted when done):\n", p.job_vm, p.image);
  if (!p.backup.empty()) {
    out += fmt::format("      restore {} ({} bytes, {}, sha256 {})\n", p.backup, p.backup_bytes,
                       p.backup_mtime, p.backup_sha256.substr(0, 12));
  }
  out += cs && !cs->scrub.empty() ? "      scrub (clone_data.scrub)\n"
                                  : "      no scrub step (clone_data.scrub is not set)\n";
  out += fmt::format("  then: imago deploy {} (its VMs {}, ... reattach these disks)\n",
                     p.target.name, DataVmName(p.target, 1));
  return out;
}

Json ClonePlanToJson(const ClonePlan& p) {
  CloneRecord r;
  r.from = p.from;
  r.zone = p.zone;
  r.image = p.image;
  r.disks = p.disks;
  r.backup = p.backup;
  r.backup_bytes = p.backup_bytes;
  r.backup_sha256 = p.backup_sha256;
  Json j = ToJson(r);
  j.erase("id");
  j.erase("state");
  j["service"] = p.target.service;
  j["env"] = p.target.name;
  j["jobVm"] = p.job_vm;
  j["notes"] = p.notes;
  return j;
}

namespace {

class LoopbackBackupChannel : public BackupChannel {
 public:
  ~LoopbackBackupChannel() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  Result<std::string> Offer(const std::string& path) override {
    std::random_device rd;
    std::string token;
    for (int i = 0; i < 4; ++i) token += fmt::format("{:08x}", rd());
    path_ = path;
    server_.Get("/" + token, [this](const httplib::Request&, httplib::Response& res) {
      std::error_code ec;
      auto size = std::filesystem::file_size(path_, ec);
      auto in = std::make_shared<std::ifstream>(path_, std::ios::binary);
      if (ec || !*in) {  // Gone since the plan: the guest's fetch fails, and says so.
        res.status = 404;
        return;
      }
      res.set_content_provider(size, "application/octet-stream",
                               [in](size_t offset, size_t length, httplib::DataSink& sink) {
                                 std::vector<char> buf(std::min<size_t>(length, 1 << 20));
                                 in->seekg(static_cast<std::streamoff>(offset));
                                 in->read(buf.data(), static_cast<std::streamsize>(buf.size()));
                                 return in->gcount() > 0 &&
                                        sink.write(buf.data(), static_cast<size_t>(in->gcount()));
                               });
    });
    int port = server_.bind_to_any_port("127.0.0.1");
    if (port <= 0) return Status::Unavailable("cannot listen on a loopback port for the backup");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // QEMU's user network takes the guest's 169.254.0.2 to the host's loopback.
    return fmt::format("http://169.254.0.2:{}/{}", port, token);
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  std::string path_;
};

// Deletes the job VM and the disks labelled with clone `id` (the copies
// an unfinished clone made: they never served).
Status Undo(compute::Service& svc, const std::string& project, const std::string& zone,
            const std::string& job_vm, const std::string& id,
            const std::function<void(const std::string&)>& step) {
  auto del = svc.instances().Delete(project, zone, job_vm, {});
  if (del.ok()) {
    IMAGO_RETURN_IF_ERROR(compute::OperationStatus(del));
    step("deleted the unfinished clone's job VM " + job_vm);
  } else if (del.status().code() != Code::kNotFound) {
    return del.status();
  }
  auto disks = compute::ListAllDisks(svc.disks(), project, zone);
  if (!disks.ok()) return disks.status();
  for (const auto& d : *disks) {
    if (LabelOf(d.labels, kLabelClone) != id) continue;
    Status st = compute::OperationStatus(svc.disks().Delete(project, zone, d.name, {}));
    if (!st.ok() && st.code() != Code::kNotFound) return st;
    step("deleted the unfinished clone's copy " + d.name);
  }
  return Status::OK();
}

// Boots the job VM on the disks of VM `index`, waits for its "done" line,
// deletes it. OK when restore and scrub passed.
Status RunJob(compute::Service& svc, const ClonePlan& plan, int index,
              const std::string& backup_url, const std::function<void(const std::string&)>& step,
              const std::atomic<bool>* cancel) {
  const Environment& env = plan.target;
  const std::string& project = env.project;
  const std::string vm = plan.job_vm;
  compute::Instance in;
  in.name = vm;
  in.description = fmt::format("imago: restores and scrubs the data cloned from {} into {}",
                               plan.from, env.Prefix());
  in.machine_type = env.machine_type;
  compute::AttachedDisk boot;
  boot.boot = true;
  boot.auto_delete = true;
  boot.initialize_params = compute::InitializeParams{};
  boot.initialize_params->source_image = compute::GlobalPath(project, "images", plan.image);
  in.disks.push_back(boot);
  const std::string vm_prefix = DataVmName(env, index) + "-";
  for (const auto& d : plan.disks) {
    if (!d.target_disk.starts_with(vm_prefix)) continue;
    compute::AttachedDisk a;
    a.source = compute::ZonalPath(project, plan.zone, "disks", d.target_disk);
    a.device_name = d.device;
    a.auto_delete = false;
    in.disks.push_back(a);
  }
  in.labels = {{kLabelService, env.service}, {kLabelEnv, env.name}};
  auto& items = in.metadata.items;
  items.emplace_back("startup-script", kCloneJob);
  items.emplace_back("imago-clone-from", plan.from);
  if (!plan.backup.empty()) {
    items.emplace_back("imago-clone-restore", env.clone_data->restore);
    items.emplace_back("imago-clone-backup-url", backup_url);
    items.emplace_back("imago-clone-backup-sha256", plan.backup_sha256);
  }
  if (env.clone_data && !env.clone_data->scrub.empty()) {
    items.emplace_back("imago-clone-scrub", env.clone_data->scrub);
  }
  IMAGO_RETURN_IF_ERROR(
      compute::OperationStatus(svc.instances().Insert(project, plan.zone, in, {})));
  step(fmt::format("booted job VM {} ({}) on {}*", vm, plan.image, vm_prefix));

  const int64_t timeout = env.clone_data ? env.clone_data->timeout_sec : 1800;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
  int64_t next = 0;
  std::string console, pending;
  Status result = Status::OK();
  bool done = false;
  while (!done) {
    if (cancel && *cancel) {
      result = Status::Unavailable("interrupted (run it again to continue)");
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      result = Status::Unavailable(
          fmt::format("the job VM {} did not finish restore and scrub in {} s (clone_data.timeout)",
                      vm, timeout));
      break;
    }
    auto out = svc.instances().GetSerialPortOutput(project, plan.zone, vm, 1, next);
    if (out.ok()) {
      next = out->next;
      pending += out->contents;
      console += out->contents;
      size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        std::string line = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        size_t at = line.find("imago-clone: ");
        if (at == std::string::npos) continue;
        std::string what = line.substr(at + 13);
        if (what.starts_with("| ") || what == "|") {  // A step's own output.
          step("job VM | " + what.substr(std::min<size_t>(2, what.size())));
          continue;
        }
        if (what.starts_with("done ")) {
          done = true;
          if (what != "done 0" && result.ok())
            result = Status::Invalid("the job ended with " + what);
          break;
        }
        step("job VM: " + what);
        if (!what.ends_with("exit 0")) result = Status::Invalid(what);
      }
    }
    if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (!result.ok()) {
    // What the guest printed last, for the one line's reader to go on.
    std::istringstream in(console);
    std::deque<std::string> last;
    for (std::string line; std::getline(in, line);) {
      last.push_back(line);
      if (last.size() > 15) last.pop_front();
    }
    for (const auto& line : last) step("job VM console: " + line);
  }
  Status del = compute::OperationStatus(svc.instances().Delete(project, plan.zone, vm, {}));
  if (!del.ok() && del.code() != Code::kNotFound) {
    return result.ok() ? del : result;
  }
  step("deleted job VM " + vm);
  return result;
}

}  // namespace

std::unique_ptr<BackupChannel> NewLoopbackBackupChannel() {
  return std::make_unique<LoopbackBackupChannel>();
}

Status ApplyClone(compute::Service& svc, const compute::Clock& clock, const ClonePlan& plan,
                  BackupChannel* backups, const std::function<void(const std::string&)>& step,
                  const std::atomic<bool>* cancel) {
  const Environment& env = plan.target;
  const std::string& project = env.project;
  if (plan.previous) {
    IMAGO_RETURN_IF_ERROR(Undo(svc, project, plan.zone, plan.job_vm, plan.previous->id, step));
  }
  CloneRecord r;
  r.service = env.service;
  r.env = env.name;
  r.id = Stamp(clock.Now());
  r.state = clone_state::kCloning;
  r.from = plan.from;
  r.zone = plan.zone;
  r.image = plan.image;
  r.started = compute::FormatRfc3339(clock.Now());
  r.who = CurrentUser();
  r.owner = fmt::format("{} pid {}", r.who, getpid());
  r.disks = plan.disks;
  r.backup = plan.backup;
  r.backup_bytes = plan.backup_bytes;
  r.backup_sha256 = plan.backup_sha256;
  // Recorded before anything is made: a rerun after kill -9 finds it.
  IMAGO_RETURN_IF_ERROR(WriteRecord(svc, project, env.service, env.name, r));

  auto fail = [&](const std::string& why) {
    r.state = clone_state::kFailed;
    r.finished = compute::FormatRfc3339(clock.Now());
    r.owner.clear();
    r.result = why;
    Status w = WriteRecord(svc, project, env.service, env.name, r);
    (void)w;  // The error said is the clone's; the record is best effort here.
    return Status::Invalid(fmt::format(
        "{}: clone from {} failed: {}. {} serves nothing from it; imago env clone-data runs it "
        "again, imago env destroy {} deletes what it made.",
        env.Prefix(), plan.from, why, env.name, env.name));
  };
  compute::Labels labels = {{kLabelService, env.service},
                            {kLabelEnv, env.name},
                            {kLabelClone, r.id},
                            {kLabelFrom, plan.from}};
  for (const auto& d : plan.disks) {
    if (cancel && *cancel) return fail("interrupted (run it again to continue)");
    if (d.take_snapshot) {
      compute::Snapshot s;
      s.name = d.snapshot;
      s.description = fmt::format("imago: {}'s {} for {} (clone {})", plan.from, d.source_disk,
                                  env.Prefix(), r.id);
      s.labels = labels;
      Status st = compute::OperationStatus(
          svc.disks().CreateSnapshot(project, plan.source_zone, d.source_disk, s, {}));
      if (st.code() == Code::kAlreadyExists) st = Status::OK();  // A rerun's.
      if (!st.ok()) return fail(fmt::format("snapshot of {}: {}", d.source_disk, st.message()));
      step(fmt::format("snapshot {} of {}", d.snapshot, d.source_disk));
    }
    compute::Disk disk;
    disk.name = d.target_disk;
    disk.size_gb = d.size_gb;
    disk.description = fmt::format("imago: data disk {} of {} in {}, cloned from {} ({})", d.device,
                                   env.service, env.name, plan.from, d.snapshot);
    disk.source_snapshot = compute::GlobalPath(project, "snapshots", d.snapshot);
    disk.labels = labels;
    Status st = compute::OperationStatus(svc.disks().Insert(project, plan.zone, disk, {}));
    if (!st.ok()) {
      return fail(
          fmt::format("disk {} from snapshot {}: {}", d.target_disk, d.snapshot, st.message()));
    }
    step(fmt::format("disk {} from snapshot {}", d.target_disk, d.snapshot));
  }
  std::string url;
  if (!plan.backup.empty()) {
    if (!backups) return fail("no way to hand the backup to the job VM");
    auto offered = backups->Offer(plan.backup);
    if (!offered.ok()) return fail(offered.status().message());
    url = *offered;
  }
  const bool job = !plan.backup.empty() || (env.clone_data && !env.clone_data->scrub.empty());
  if (job) {
    for (int i = 1; i <= env.size; ++i) {
      Status st = RunJob(svc, plan, i, url, step, cancel);
      if (!st.ok()) return fail(st.message());
    }
  }
  r.state = clone_state::kDone;
  r.finished = compute::FormatRfc3339(clock.Now());
  r.owner.clear();
  r.result = !plan.backup.empty()
                 ? fmt::format("restored {} and scrubbed",
                               std::filesystem::path(plan.backup).filename().string())
             : job ? "scrubbed"
                   : "copied (no restore, no scrub)";
  if (!plan.backup.empty() && !(env.clone_data && !env.clone_data->scrub.empty())) {
    r.result = fmt::format("restored {}", std::filesystem::path(plan.backup).filename().string());
  }
  IMAGO_RETURN_IF_ERROR(WriteRecord(svc, project, env.service, env.name, r));
  step(fmt::format("recorded under {}: {}", CloneKey(env.service, env.name), r.result));
  return Status::OK();
}

Status CheckCloneFinished(compute::Service& svc, const Environment& target) {
  if (target.data_disks.empty()) return Status::OK();
  auto r = ReadClone(svc.projects(), target.project, target.service, target.name);
  if (!r.ok()) return r.status();
  if (!*r || (*r)->state == clone_state::kDone) return Status::OK();
  return Status::ConditionNotMet(fmt::format(
      "{}'s data clone from {} is {}{}: its disks must not serve. Run imago env clone-data {} "
      "again, or imago env destroy {}.",
      target.Prefix(), (*r)->from, (*r)->state,
      (*r)->result.empty() ? "" : " (" + (*r)->result + ")", target.name, target.name));
}

}  // namespace imago::deploy
