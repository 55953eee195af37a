#include "bake/baker.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "agent/guest_channel.h"
#include "agent/protocol.h"
#include "bake/ansible.h"
#include "bake/digest.h"
#include "compute/resource_ref.h"
#include "lifecycle/naming.h"
#include "localcloud/file_lock.h"

namespace imago::bake {

using compute::Image;
using compute::Result;
using compute::Status;
using nlohmann::json;

namespace {

constexpr size_t kLastLines = 15;

std::string RandomHex(int bytes) {
  std::random_device rd;
  std::string out;
  static const char* kHex = "0123456789abcdef";
  for (int i = 0; i < bytes; ++i) {
    unsigned v = rd() & 0xff;
    out += kHex[v >> 4];
    out += kHex[v & 15];
  }
  return out;
}

std::string Now3339() {
  return compute::FormatRfc3339(std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
}

/// Writes `j` to `path` atomically.
Status WriteJson(const std::string& path, const json& j) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << j.dump(2) << "\n";
    if (!out.flush()) return Status::Unavailable("cannot write " + path);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) return Status::Unavailable("cannot write " + path);
  return Status::OK();
}

/// The journal of one bake: bake.json, build.log and the lock.
class Journal {
 public:
  Status Open(const std::string& home, const std::string& id) {
    dir_ = home + "/bakes/" + id;
    std::filesystem::create_directories(dir_);
    auto lock = localcloud::FileLock::Acquire(dir_ + "/lock");
    if (!lock.ok()) return lock.status();
    lock_ = std::move(*lock);
    log_.open(dir_ + "/build.log", std::ios::app);
    return Status::OK();
  }
  Status Save() { return WriteJson(dir_ + "/bake.json", state); }
  void Log(const std::string& line) {
    log_ << line << "\n";
    log_.flush();
  }
  std::string dir() const { return dir_; }
  std::string log_path() const { return dir_ + "/build.log"; }

  json state = json::object();

 private:
  std::string dir_;
  localcloud::FileLock lock_;
  std::ofstream log_;
};

/// Journals of finished bakes kept (their build logs), newest first.
constexpr size_t kJournalsKept = 50;

/// Removes the journals of finished bakes beyond the newest kJournalsKept,
/// so that the scan every command makes (RecoverBakes) stays small.
void PruneJournals(const std::string& home) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> done;
  for (const auto& e : fs::directory_iterator(home + "/bakes", ec)) {
    std::ifstream in(e.path() / "bake.json");
    json state = json::parse(in, nullptr, false);
    if (!state.is_object() || state.value("state", "") == "running") continue;
    done.emplace_back(fs::last_write_time(e.path() / "bake.json", ec), e.path());
  }
  if (done.size() <= kJournalsKept) return;
  std::sort(done.begin(), done.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = kJournalsKept; i < done.size(); ++i) fs::remove_all(done[i].second, ec);
}

/// Splits streamed output into lines for the reporter, the log and the
/// last-lines buffer.
class LineSplitter {
 public:
  LineSplitter(BakeReporter& r, Journal& j) : reporter_(r), journal_(j) {}
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
  Journal& journal_;
  std::string out_, err_;
  std::deque<std::string> last_;
};

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// Uploads a file or a directory tree (Packer's rule: a directory's
/// contents go below the destination).
Status Upload(agent::GuestChannel& ch, const std::string& source, const std::string& dest) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(source, ec)) {
    std::string target = dest.back() == '/' ? dest + fs::path(source).filename().string() : dest;
    return ch.PutFile(source, target);
  }
  for (auto it = fs::recursive_directory_iterator(source, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string rel = it->path().lexically_relative(source).string();
    IMAGO_RETURN_IF_ERROR(ch.PutFile(it->path().string(), dest + "/" + rel));
  }
  if (ec) return Status::Invalid("cannot read " + source + ": " + ec.message());
  return Status::OK();
}

std::string Describe(const BakeSpec& spec, const Provisioner& p, size_t i) {
  return fmt::format("provisioner {} ({} at {}:{})", i + 1, p.KindName(),
                     std::filesystem::path(spec.path).filename().string(), p.line);
}

Status OpFailed(const Result<compute::Operation>& op) {
  if (!op.ok()) return op.status();
  if (op->failed()) return Status::Invalid(op->errors.front().message);
  return Status::OK();
}

std::string GitCommit(const std::string& dir) {
  std::string cmd = "git -C " + ShellQuote(dir) + " rev-parse HEAD 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "";
  char buf[128] = {};
  std::string out = fgets(buf, sizeof buf, p) ? buf : "";
  pclose(p);
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
    auto im = service_.GetImageFromFamily(o.project, spec.source_family);
    if (!im.ok()) {
      return Status(im.status().code(),
                    spec.path + ": key 'source.image_family': " + im.status().message());
    }
    return im;
  }
  auto im = service_.GetImage(o.project, spec.source_image);
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

Status Baker::Bake(const BakeSpec& spec, const BakeOptions& o, BakeResult* r) {
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
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

  // 2. The digest, and the cache.
  auto digest = BuildDigest(spec, r->source_image_id);
  if (!digest.ok()) return digest.status();
  r->digest = *digest;
  std::string digest_label = digest->substr(0, 40);
  if (!o.force) {
    compute::ListOptions lo;
    lo.filter = "family = " + spec.family + " AND labels." + kDigestLabel + " = " + digest_label;
    auto found = compute::ListAllImages(service_, o.project, lo);
    if (!found.ok()) return found.status();
    for (const Image& im : *found) {
      if (im.status != "READY" || im.IsDeprecated()) continue;
      r->cached = true;
      r->image = im.name;
      r->image_id = std::to_string(im.id);
      r->seconds = elapsed();
      reporter_.Done("cached: " + im.name + " has build digest " + digest->substr(0, 12) +
                     " (nothing changed; --force rebuilds)");
      return Status::OK();
    }
  }

  // 3. The image's name, which must be free before anything boots.
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
  if (service_.GetImage(o.project, *name).ok()) {
    return Status::ResourceExists(compute::ImagePath(o.project, *name));
  }
  r->image = *name;

  // 4. The journal.
  PruneJournals(o.home);
  Journal journal;
  std::string id = RandomHex(4);
  std::string builder = "bake-" + id;
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
                   {"instance", builder},
                   {"disk", builder},
                   {"started", Now3339()}};
  IMAGO_RETURN_IF_ERROR(journal.Save());
  journal.Log("bake " + id + " of " + spec.path + " -> " + *name + " (digest " + *digest + ")");
  journal.Log("source " + src->name + " (id " + r->source_image_id + ")");

  bool instance_made = false;
  auto cleanup = [&](const std::string& final_state) {
    if (instance_made) {
      auto op = service_.DeleteInstance(o.project, o.zone, builder, {});
      if (!op.ok() && op.status().code() != compute::Code::kNotFound) {
        journal.Log("cleanup: cannot delete instance " + builder + ": " + op.status().message());
      }
    }
    auto d = service_.DeleteDisk(o.project, o.zone, builder, {});
    if (!d.ok() && d.status().code() != compute::Code::kNotFound) {
      journal.Log("cleanup: cannot delete disk " + builder + ": " + d.status().message());
    }
    journal.state["state"] = final_state;
    journal.state["ended"] = Now3339();
    journal.Save();
  };
  auto fail = [&](const Status& st) {
    journal.Log("FAILED: " + st.message());
    reporter_.Step("cleaning up the builder VM and disk");
    cleanup(o.cancel && o.cancel->load() ? "cancelled" : "failed");
    r->seconds = elapsed();
    return st;
  };
  auto cancelled = [&] { return o.cancel && o.cancel->load(); };

  // 5. The builder VM: a copy-on-write disk of the source, the agent's token
  //    in its metadata, the agent's port forwarded.
  std::string token = RandomHex(24);
  compute::Instance in;
  in.name = builder;
  in.description = "imago bake " + id + " of " + spec.path;
  in.machine_type = spec.machine_type;
  in.labels = {{"imago-bake", id}};
  compute::AttachedDisk boot;
  boot.boot = true;
  boot.auto_delete = false;
  compute::InitializeParams params;
  params.disk_name = builder;
  params.source_image = "global/images/" + src->name;
  params.disk_size_gb = spec.disk_size_gb;
  boot.initialize_params = params;
  in.disks.push_back(boot);
  in.metadata.items = {{"imago-agent-token", token},
                       {"imago-ports", std::to_string(agent::kDefaultPort)}};
  reporter_.Step("booting builder VM " + builder + " (" + spec.machine_type + ")");
  instance_made = true;  // Even a failed insert may leave a disk to remove.
  Status st = OpFailed(service_.InsertInstance(o.project, o.zone, in, {}));
  if (!st.ok()) return fail(st);
  auto vm = service_.GetInstance(o.project, o.zone, builder);
  if (!vm.ok()) return fail(vm.status());
  int port = 0;
  for (const auto& fp : vm->forwarded_ports) {
    if (fp.guest_port == agent::kDefaultPort) port = fp.host_port;
  }
  if (port == 0) return fail(Status::Internal("the builder VM has no forwarded agent port"));
  agent::AgentChannel channel(port, token);
  auto alive = [&]() -> Status {
    if (cancelled()) return Status::Unavailable("cancelled");
    auto now = service_.GetInstance(o.project, o.zone, builder);
    if (!now.ok()) return now.status();
    if (now->status != "RUNNING") {
      auto serial = service_.GetSerialPortOutput(o.project, o.zone, builder, 1, 0);
      std::string tail = serial.ok() ? serial->contents : "";
      if (tail.size() > 2000) tail = tail.substr(tail.size() - 2000);
      journal.Log("serial output:\n" + tail);
      return Status::Unavailable("the builder VM stopped while booting (" + now->status +
                                 "); its serial output is in the build log");
    }
    return Status::OK();
  };
  st = channel.WaitReady(std::chrono::seconds(spec.boot_timeout_s), alive);
  if (!st.ok()) return fail(st);
  double boot_s = elapsed();
  // The builder's console goes into the log: a slow or odd boot can be read
  // there afterwards (the VM is gone by then).
  if (auto serial = service_.GetSerialPortOutput(o.project, o.zone, builder, 1, 0); serial.ok()) {
    journal.Log("== console of the builder VM while it booted:\n" + serial->contents);
  }
  reporter_.Done(fmt::format("builder VM up, guest agent answering ({:.1f} s){}", boot_s,
                             boot_s > 30 ? "; a slow boot: its console is in the build log" : ""));

  // 6. The provisioners, in order; the first failure stops the bake.
  for (size_t i = 0; i < spec.provisioners.size(); ++i) {
    if (cancelled()) return fail(Status::Unavailable("cancelled"));
    const Provisioner& p = spec.provisioners[i];
    std::string what = Describe(spec, p, i);
    double step_start = elapsed();
    reporter_.Step(what);
    journal.Log("== " + what);
    LineSplitter lines(reporter_, journal);
    auto on_output = [&](bool is_err, const std::string& chunk) { lines.Add(is_err, chunk); };
    Result<int> rc = 0;
    switch (p.kind) {
      case Provisioner::Kind::kShell: {
        std::string command;
        if (!p.script.empty()) {
          std::string remote = "/tmp/imago-script-" + std::to_string(i + 1);
          st = channel.PutFile(p.script, remote);
          if (!st.ok()) return fail(st);
          command =
              "chmod 0755 " + remote + " && " + remote + "; rc=$?; rm -f " + remote + "; exit $rc";
        } else {
          command = "set -e\n";
          for (const auto& line : p.inline_commands) command += line + "\n";
        }
        rc = channel.Exec(command, p.environment, "", on_output, o.cancel);
        break;
      }
      case Provisioner::Kind::kFile:
        st = Upload(channel, p.source, p.destination);
        if (!st.ok()) return fail(Status::Invalid(what + ": " + st.message()));
        lines.Add(false, p.source + " -> " + p.destination + "\n");
        break;
      case Provisioner::Kind::kAnsible: {
        AnsibleRun run;
        run.playbook = p.playbook;
        run.extra_vars = p.extra_vars;
        run.roles_path = p.roles_path;
        run.work_dir = journal.dir();
        run.imago_program = o.imago_program;
        run.agent_port = port;
        run.agent_token = token;
        // Ansible's interpreter discovery costs a Python start in the
        // guest (about a second without KVM); one shell lookup is enough.
        std::string python;
        auto found =
            channel.Exec("command -v python3", {}, "", [&](bool is_err, const std::string& c) {
              if (!is_err) python += c;
            });
        while (!python.empty() && (python.back() == '\n' || python.back() == ' '))
          python.pop_back();
        if (found.ok() && *found == 0 && python.rfind('/', 0) == 0) run.python = python;
        rc = RunAnsible(run, on_output, o.cancel);
        break;
      }
    }
    lines.Flush();
    if (!rc.ok()) return fail(Status(rc.status().code(), what + ": " + rc.status().message()));
    if (*rc != 0) {
      r->provisioner_exit_code = *rc;
      r->last_output = lines.Last();
      return fail(Status::Invalid(what + " exited with " + std::to_string(*rc)));
    }
    // Its own time: the terminal's [elapsed] column already shows the total.
    reporter_.Done(fmt::format("{} done in {:.1f} s", what, elapsed() - step_start));
  }

  // 7. A clean power-off: everything on disk, then ACPI.
  reporter_.Step("powering off the builder VM");
  auto synced = channel.Exec("sync", {}, "", [](bool, const std::string&) {});
  if (!synced.ok()) return fail(synced.status());
  st = OpFailed(service_.StopInstance(o.project, o.zone, builder, {}));
  if (!st.ok()) return fail(st);
  if (cancelled()) return fail(Status::Unavailable("cancelled"));

  // 8. The image of the disk, in the family.
  reporter_.Step("creating image " + *name + " in family " + spec.family);
  Image image;
  image.name = *name;
  image.family = spec.family;
  image.description =
      spec.description.empty() ? "Baked by imago from " + spec.path : spec.description;
  image.labels = spec.labels;
  image.labels[kDigestLabel] = digest_label;
  image.labels["imago-source-image"] = LabelValue(src->name);
  image.labels["imago-spec"] = LabelValue(std::filesystem::path(spec.path).stem().string());
  std::string commit = GitCommit(spec.dir);
  if (!commit.empty()) image.labels["imago-git-commit"] = commit;
  image.source_disk = "zones/" + o.zone + "/disks/" + builder;
  st = OpFailed(service_.InsertImage(o.project, image, {}));
  if (!st.ok()) return fail(st);
  auto made = service_.GetImage(o.project, *name);
  if (made.ok()) r->image_id = std::to_string(made->id);

  // 9. The builder goes; the log stays.
  reporter_.Step("deleting builder VM and disk");
  cleanup("done");
  r->seconds = elapsed();
  journal.Log(fmt::format("done: image {} in {:.1f} s", *name, r->seconds));
  reporter_.Done(fmt::format("image {} ({:.1f} s)", *name, r->seconds));
  return Status::OK();
}

std::vector<std::string> RecoverBakes(compute::Service& service, const std::string& home) {
  std::vector<std::string> out;
  std::string root = home + "/bakes";
  DIR* d = opendir(root.c_str());
  if (!d) return out;
  std::vector<std::string> ids;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ids.push_back(e->d_name);
  }
  closedir(d);
  for (const std::string& id : ids) {
    std::string dir = root + "/" + id;
    std::ifstream in(dir + "/bake.json");
    json state = json::parse(in, nullptr, false);
    if (!state.is_object() || state.value("state", "") != "running") continue;
    bool held = false;
    auto lock = localcloud::FileLock::TryAcquire(dir + "/lock", &held);
    // Held: its bake is alive. No lock file at all: nobody can be holding it.
    if (held || (!lock.ok() && lock.status().code() != compute::Code::kNotFound)) continue;
    std::string project = state.value("project", "local"), zone = state.value("zone", "local-a");
    std::string instance = state.value("instance", ""), disk = state.value("disk", "");
    bool vm = !instance.empty() && service.DeleteInstance(project, zone, instance, {}).ok();
    bool dk = !disk.empty() && service.DeleteDisk(project, zone, disk, {}).ok();
    state["state"] = "interrupted";
    state["ended"] = Now3339();
    WriteJson(dir + "/bake.json", state);
    out.push_back(fmt::format("an interrupted bake of {} was cleaned up: {}{}(log: {}/build.log)",
                              state.value("spec", "?"),
                              vm ? "builder VM " + instance + " deleted, " : "",
                              dk ? "disk " + disk + " deleted " : "", dir));
  }
  return out;
}

Status WriteManifest(const std::string& path, const BakeResult& r, const std::string& run_uuid,
                     int64_t build_time) {
  json m = json::object();
  {
    std::ifstream in(path);
    if (in) {
      m = json::parse(in, nullptr, false);
      if (!m.is_object()) {
        return Status::Invalid("manifest " + path + " exists and is not a Packer manifest");
      }
    }
  }
  if (!m.contains("builds") || !m["builds"].is_array()) m["builds"] = json::array();
  m["builds"].push_back({{"name", r.family},
                         {"builder_type", "imago"},
                         {"build_time", build_time},
                         {"files", nullptr},
                         {"artifact_id", r.image},
                         {"packer_run_uuid", run_uuid},
                         {"custom_data",
                          {{"image_id", r.image_id},
                           {"family", r.family},
                           {"source_image", r.source_image},
                           {"source_image_id", r.source_image_id},
                           {"build_digest", r.digest},
                           {"cached", r.cached ? "true" : "false"},
                           {"spec", r.spec}}}});
  m["last_run_uuid"] = run_uuid;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  return WriteJson(path, m);
}

}  // namespace imago::bake
