#include "bake/baker.h"

#include <unistd.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "agent/protocol.h"
#include "bake/bake_inputs.h"
#include "bake/builder_vm.h"
#include "bake/digest.h"
#include "bake/provision.h"
#include "base/file_util.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "compute/resource_ref.h"
#include "lifecycle/naming.h"
#include "packages/apt_fetch.h"

namespace imago::bake {

using compute::Image;
using compute::Result;
using compute::Status;

namespace {

constexpr size_t kLastLines = 15;

std::string RandomHex(int bytes) {
  std::random_device rd;
  std::string raw;
  for (int i = 0; i < bytes; ++i) raw.push_back(static_cast<char>(rd() & 0xff));
  return base::HexOf(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

/// Splits streamed output into lines for the reporter, the log and the
/// last-lines buffer.
class LineSplitter {
 public:
  LineSplitter(BakeReporter& r, BakeJournal& j) : reporter_(r), journal_(j) {}
  void Add(bool is_stderr, const std::string& chunk) {
    std::string& buf = is_stderr ? err_ : out_;
    buf += chunk;
    size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      Emit(is_stderr, buf.substr(0, nl));
      buf.erase(0, nl + 1);
    }
  }
  void Flush() {
    if (!out_.empty()) Emit(false, out_);
    if (!err_.empty()) Emit(true, err_);
    out_.clear();
    err_.clear();
  }
  std::vector<std::string> Last() const { return {last_.begin(), last_.end()}; }

 private:
  void Emit(bool is_stderr, const std::string& line) {
    reporter_.Output(is_stderr, line);
    journal_.Log((is_stderr ? "  ! " : "  | ") + line);
    last_.push_back(line);
    if (last_.size() > kLastLines) last_.pop_front();
  }
  BakeReporter& reporter_;
  BakeJournal& journal_;
  std::string out_, err_;
  std::deque<std::string> last_;
};

std::string Describe(const BakeSpec& spec, const Provisioner& p, size_t i) {
  return fmt::format("provisioner {} ({} at {}:{})", i + 1, p.KindName(),
                     std::filesystem::path(spec.path).filename().string(), p.line);
}

/// The commit of the git checkout `dir` is in, or "".
std::string GitCommit(const std::string& dir) {
  auto r = base::RunProcess({"git", "-C", dir, "rev-parse", "HEAD"});
  if (!r.ok() || r->exit_code != 0) return "";
  std::string out = r->out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out.size() == 40 ? out : "";
}

/// A label value: lower case, [a-z0-9_-], at most 63 characters.
std::string LabelValue(const std::string& s) {
  std::string out;
  for (char c : s) {
    char l = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    out += (isalnum(static_cast<unsigned char>(l)) || l == '-' || l == '_') ? l : '-';
  }
  return out.substr(0, 63);
}

}  // namespace

Result<Image> Baker::ResolveSource(const BakeSpec& spec, const BakeOptions& o) {
  if (!spec.source_family.empty()) {
    auto im = service_.images().GetFromFamily(o.project, spec.source_family);
    if (!im.ok()) {
      return Status(im.status().code(),
                    spec.path + ": key 'source.image_family': " + im.status().message());
    }
    return im;
  }
  auto im = service_.images().Get(o.project, spec.source_image);
  if (!im.ok()) {
    return Status(im.status().code(), spec.path + ": key 'source.image': " + im.status().message());
  }
  auto state = im->State();
  if (state == compute::DeprecationState::kObsolete ||
      state == compute::DeprecationState::kDeleted) {
    return Status::Invalid(spec.path + ": key 'source.image': the image " + im->name + " is " +
                           compute::DeprecationStateName(state) + " and cannot be used");
  }
  return im;
}

Result<std::string> Baker::FindCached(const BakeSpec& spec, const BakeOptions& o,
                                      const std::string& digest, std::string* image_id) {
  compute::ListOptions lo;
  lo.filter =
      "family = " + spec.family + " AND labels." + kDigestLabel + " = " + digest.substr(0, 40);
  auto found = compute::ListAllImages(service_.images(), o.project, lo);
  if (!found.ok()) return found.status();
  for (const Image& im : *found) {
    if (im.status != "READY" || im.IsDeprecated()) continue;
    *image_id = std::to_string(im.id);
    return im.name;
  }
  return std::string();
}

Status Baker::DryRun(const BakeSpec& spec, const BakeOptions& o, BakeDryRun* out) {
  auto src = ResolveSource(spec, o);
  if (!src.ok()) return src.status();
  out->source_image = src->name;
  auto apt_plans = PlanApt(spec, o, *src);
  if (!apt_plans.ok()) return apt_plans.status();
  const std::string source_id = std::to_string(src->id);
  auto digest = BuildDigest(spec, source_id, *apt_plans);
  if (!digest.ok()) return digest.status();
  out->digest = *digest;
  if (o.force) {
    out->why.push_back("--force");
    return Status::OK();
  }
  std::string id;
  auto cached = FindCached(spec, o, *digest, &id);
  if (!cached.ok()) return cached.status();
  if (!cached->empty()) {
    out->cached_image = *cached;
    return Status::OK();
  }
  // A miss: against the family's newest image that a bake made.
  compute::ListOptions lo;
  lo.filter = "family = " + spec.family;
  auto images = compute::ListAllImages(service_.images(), o.project, lo);
  if (!images.ok()) return images.status();
  const Image* last = nullptr;
  for (const Image& im : *images) {
    if (!im.labels.count(kDigestLabel)) continue;
    if (!last || im.creation_timestamp > last->creation_timestamp) last = &im;
  }
  if (images->empty()) {
    out->why.push_back("family " + spec.family + " has no image yet");
    return Status::OK();
  }
  if (!last) {
    out->why.push_back("no image of family " + spec.family + " was made by imago bake");
    return Status::OK();
  }
  const std::string label = last->labels.at(kDigestLabel);
  if (label == digest->substr(0, 40)) {
    out->why.push_back(last->name + " has these inputs but is " +
                       (last->IsDeprecated()
                            ? std::string(compute::DeprecationStateName(last->State()))
                            : last->status) +
                       ": a bake makes a usable one");
    return Status::OK();
  }
  auto before = LoadBakeInputs(o.home, label);
  if (!before.ok()) {
    out->why.push_back("the inputs changed since " + last->name +
                       ", whose inputs were not recorded (baked by an older imago or elsewhere)");
    return Status::OK();
  }
  auto now = DigestParts(spec, source_id, src->name, *apt_plans);
  if (!now.ok()) return now.status();
  out->why = ChangedInputs(*before, *now);
  if (out->why.empty()) out->why.push_back("the digest rules changed since " + last->name);
  for (auto& w : out->why) w += " (since " + last->name + ")";
  return Status::OK();
}

Result<std::string> Baker::NameImage(const BakeSpec& spec, const BakeOptions& o) {
  lifecycle::NameParts parts;
  parts.os = spec.os;
  parts.role = spec.role;
  parts.software = spec.software;
  parts.version = spec.version;
  parts.family = spec.family;
  parts.when = o.clock ? o.clock->Now()
                       : std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  // The spec's template, the family's, the naming convention when the spec
  // gives every part of it, else the family and the date.
  bool all_parts =
      !spec.os.empty() && !spec.role.empty() && !spec.software.empty() && !spec.version.empty();
  std::string tmpl = !spec.name_template.empty()  ? spec.name_template
                     : !o.family_template.empty() ? o.family_template
                     : all_parts                  ? lifecycle::kDefaultTemplate
                                                  : "{family}-v{date}-{time}";
  auto name = lifecycle::RenderName(tmpl, parts);
  if (!name.ok()) return Status::Invalid(spec.path + ": key 'name': " + name.status().message());
  if (service_.images().Get(o.project, *name).ok()) {
    return Status::ResourceExists(compute::ImagePath(o.project, *name));
  }
  return name;
}

Status Baker::Provision(const BakeSpec& spec, const BakeOptions& o, agent::GuestChannel& ch,
                        int agent_port, const std::string& token, BakeJournal& journal,
                        BakeResult* r) {
  for (size_t i = 0; i < spec.provisioners.size(); ++i) {
    if (o.cancel && o.cancel->load()) return Status::Unavailable("cancelled");
    const Provisioner& p = spec.provisioners[i];
    std::string what = Describe(spec, p, i);
    auto step_start = std::chrono::steady_clock::now();
    reporter_.Step(what);
    journal.Log("== " + what);
    LineSplitter lines(reporter_, journal);
    ProvisionContext ctx;
    ctx.channel = &ch;
    ctx.work_dir = journal.dir();
    ctx.imago_program = o.imago_program;
    ctx.agent_port = agent_port;
    ctx.agent_token = token;
    ctx.home = o.home;
    ctx.cancel = o.cancel;
    ctx.on_output = [&](bool is_err, const std::string& chunk) { lines.Add(is_err, chunk); };
    Result<int> rc = RunProvisioner(p, i, ctx);
    lines.Flush();
    if (!rc.ok()) return Status(rc.status().code(), what + ": " + rc.status().message());
    if (*rc != 0) {
      r->provisioner_exit_code = *rc;
      r->last_output = lines.Last();
      return Status::Invalid(what + " exited with " + std::to_string(*rc));
    }
    // Its own time: the terminal's [elapsed] column already shows the total.
    double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start).count();
    reporter_.Done(fmt::format("{} done in {:.1f} s", what, took));
  }
  return Status::OK();
}

Result<std::vector<std::string>> Baker::PlanApt(const BakeSpec& spec, const BakeOptions& o,
                                                const Image& source) {
  std::vector<std::string> plans;
  std::string status_path;
  for (size_t i = 0; i < spec.provisioners.size(); ++i) {
    const Provisioner& p = spec.provisioners[i];
    if (p.kind != Provisioner::Kind::kApt) continue;
    const std::string what = Describe(spec, p, i);
    if (status_path.empty()) {
      if (!o.read_image_file) {
        return Status::Invalid(what +
                               ": apt needs the source image's package list, read from "
                               "its disk: the local cloud only");
      }
      auto text = o.read_image_file(source.name, "/var/lib/dpkg/status");
      if (!text.ok()) {
        return Status(text.status().code(),
                      what + ": the source image " + source.name + ": " + text.status().message());
      }
      status_path = fmt::format("{}/apt/status-{}", o.home, source.id);
      std::filesystem::create_directories(o.home + "/apt");
      IMAGO_RETURN_IF_ERROR(base::WriteFileAtomic(status_path, *text));
    }
    packages::AptSetup setup{status_path, p.sources, AptStateDir(o.home, p.sources)};
    IMAGO_RETURN_IF_ERROR(packages::AptUpdate(setup));
    auto plan = packages::AptPlan(setup, {p.upgrade, p.install});
    if (!plan.ok()) return Status(plan.status().code(), what + ": " + plan.status().message());
    std::string text;
    for (const auto& [name, version] : *plan) text += name + " " + version + "\n";
    plans.push_back(text);
    reporter_.Done(fmt::format("{}: apt resolves {} package(s) to fetch for {}", what, plan->size(),
                               source.name));
  }
  return plans;
}

Status Baker::MakeImage(const BakeSpec& spec, const BakeOptions& o, const std::string& name,
                        const std::string& disk, const Image& source, const std::string& digest,
                        BakeResult* r) {
  Image image;
  image.name = name;
  image.family = spec.family;
  image.description =
      spec.description.empty() ? "Baked by imago from " + spec.path : spec.description;
  image.labels = spec.labels;
  image.labels[kDigestLabel] = digest.substr(0, 40);
  image.labels["imago-source-image"] = LabelValue(source.name);
  image.labels["imago-spec"] = LabelValue(std::filesystem::path(spec.path).stem().string());
  std::string commit = GitCommit(spec.dir);
  if (!commit.empty()) image.labels["imago-git-commit"] = commit;
  image.source_disk = disk;
  IMAGO_RETURN_IF_ERROR(compute::OperationStatus(service_.images().Insert(o.project, image, {})));
  auto made = service_.images().Get(o.project, name);
  if (made.ok()) r->image_id = std::to_string(made->id);
  return Status::OK();
}

Status Baker::Bake(const BakeSpec& spec, const BakeOptions& o, BakeResult* r) {
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto cancelled = [&] { return o.cancel && o.cancel->load(); };
  r->spec = spec.path;
  r->family = spec.family;

  // 1. The source, pinned once.
  auto src = ResolveSource(spec, o);
  if (!src.ok()) return src.status();
  r->source_image = src->name;
  r->source_image_id = std::to_string(src->id);
  reporter_.Done(spec.source_family.empty()
                     ? "source image " + src->name
                     : "source family " + spec.source_family + " -> " + src->name + " (pinned)");

  // 2. The digest, and the cache. apt provisioners add what apt resolves
  //    for the source image now: the archive's state, as far as it matters.
  auto apt_plans = PlanApt(spec, o, *src);
  if (!apt_plans.ok()) return apt_plans.status();
  auto digest = BuildDigest(spec, r->source_image_id, *apt_plans);
  if (!digest.ok()) return digest.status();
  r->digest = *digest;
  // Each input's own digest, recorded with the image: a later miss says
  // which one changed.
  auto parts = DigestParts(spec, r->source_image_id, src->name, *apt_plans);
  if (!parts.ok()) return parts.status();
  if (!o.force) {
    auto cached = FindCached(spec, o, *digest, &r->image_id);
    if (!cached.ok()) return cached.status();
    if (!cached->empty()) {
      if (!LoadBakeInputs(o.home, digest->substr(0, 40)).ok()) {
        (void)SaveBakeInputs(o.home, *digest, *cached, *parts);  // Baked before records.
      }
      r->cached = true;
      r->image = *cached;
      r->seconds = elapsed();
      reporter_.Done("cached: " + *cached + " has build digest " + digest->substr(0, 12) +
                     " (nothing changed; --force rebuilds)");
      return Status::OK();
    }
  }

  // 3. The image's name, which must be free before anything boots.
  auto name = NameImage(spec, o);
  if (!name.ok()) return name.status();
  r->image = *name;

  // 4. The journal: what a killed bake leaves is found through it.
  PruneJournals(o.home);
  BakeJournal journal;
  std::string id = RandomHex(4);
  std::string builder_name = "bake-" + id;
  IMAGO_RETURN_IF_ERROR(journal.Open(o.home, id));
  r->log_path = journal.log_path();
  journal.state = {{"id", id},
                   {"state", "running"},
                   {"pid", getpid()},
                   {"spec", spec.path},
                   {"family", spec.family},
                   {"image", *name},
                   {"project", o.project},
                   {"zone", o.zone},
                   {"instance", builder_name},
                   {"disk", builder_name},
                   {"started", Now3339()}};
  IMAGO_RETURN_IF_ERROR(journal.Save());
  journal.Log("bake " + id + " of " + spec.path + " -> " + *name + " (digest " + *digest + ")");
  journal.Log("source " + src->name + " (id " + r->source_image_id + ")");

  // 5. The builder VM. From here on it and its disk go whatever happens.
  std::string token = RandomHex(24);
  BuilderVm builder(service_, {o.project, o.zone, builder_name, spec.machine_type, src->name,
                               spec.disk_size_gb, "imago bake " + id + " of " + spec.path,
                               compute::Labels{{"imago-bake", id}}, token, agent::kDefaultPort});
  auto finish = [&](const Status& st) {
    if (!st.ok()) {
      journal.Log("FAILED: " + st.message());
      reporter_.Step("cleaning up the builder VM and disk");
    } else {
      reporter_.Step("deleting builder VM and disk");
    }
    if (Status rm = builder.Remove(); !rm.ok()) journal.Log("cleanup: " + rm.message());
    journal.state["state"] = st.ok() ? "done" : cancelled() ? "cancelled" : "failed";
    journal.state["ended"] = Now3339();
    (void)journal.Save();
    r->seconds = elapsed();
    return st;
  };
  reporter_.Step("booting builder VM " + builder_name + " (" + spec.machine_type + ")");
  if (Status st = builder.Boot(); !st.ok()) return finish(st);
  std::unique_ptr<agent::GuestChannel> channel =
      o.open_channel ? o.open_channel(builder.agent_port(), token)
                     : std::make_unique<agent::AgentChannel>(builder.agent_port(), token);
  Status ready = channel->WaitReady(std::chrono::seconds(spec.boot_timeout_s), [&]() -> Status {
    if (cancelled()) return Status::Unavailable("cancelled");
    std::string console;
    Status st = builder.CheckRunning(&console);
    if (!st.ok() && !console.empty()) journal.Log("serial output:\n" + console);
    return st;
  });
  if (!ready.ok()) return finish(ready);
  double boot_s = elapsed();
  // The builder's console goes into the log: a slow or odd boot can be read
  // there afterwards (the VM is gone by then).
  journal.Log("== console of the builder VM while it booted:\n" + builder.Console());
  reporter_.Done(fmt::format("builder VM up, guest agent answering ({:.1f} s){}", boot_s,
                             boot_s > 30 ? "; a slow boot: its console is in the build log" : ""));

  // 6. The provisioners, in order; the first failure stops the bake.
  if (Status st = Provision(spec, o, *channel, builder.agent_port(), token, journal, r); !st.ok()) {
    return finish(st);
  }

  // 7. A clean power-off: everything on disk, then ACPI.
  reporter_.Step("powering off the builder VM");
  auto synced = channel->Exec("sync", {}, "", [](bool, const std::string&) {});
  if (!synced.ok()) return finish(synced.status());
  if (Status st = builder.Stop(); !st.ok()) return finish(st);
  if (cancelled()) return finish(Status::Unavailable("cancelled"));

  // 8. The image of the disk, in the family.
  reporter_.Step("creating image " + *name + " in family " + spec.family);
  if (Status st = MakeImage(spec, o, *name, builder.DiskPath(), *src, *digest, r); !st.ok()) {
    return finish(st);
  }

  if (Status st = SaveBakeInputs(o.home, *digest, *name, *parts); !st.ok()) {
    journal.Log("the record of this bake's inputs was not written: " + st.message());
  }

  // 9. The builder goes; the log stays.
  finish(Status::OK());
  journal.Log(fmt::format("done: image {} in {:.1f} s", *name, r->seconds));
  reporter_.Done(fmt::format("image {} ({:.1f} s)", *name, r->seconds));
  return Status::OK();
}

}  // namespace imago::bake
