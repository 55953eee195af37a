#include "bake/bake_journal.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "base/file_util.h"
#include "compute/time_util.h"

namespace imago::bake {

using compute::Status;
using nlohmann::json;

namespace {

/// Journals of finished bakes kept (their build logs), newest first.
constexpr size_t kJournalsKept = 50;

json ReadState(const std::string& dir) {
  auto text = base::ReadFile(dir + "/bake.json");
  if (!text.ok()) return json();
  return json::parse(*text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

std::string Now3339() {
  return compute::FormatRfc3339(std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
}

Status BakeJournal::Open(const std::string& home, const std::string& id) {
  dir_ = home + "/bakes/" + id;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Status::Unavailable("cannot create " + dir_ + ": " + ec.message());
  auto lock = base::FileLock::Acquire(dir_ + "/lock");
  if (!lock.ok()) return lock.status();
  lock_ = std::move(*lock);
  log_.open(dir_ + "/build.log", std::ios::app);
  return Status::OK();
}

Status BakeJournal::Save() {
  return base::WriteFileAtomic(dir_ + "/bake.json", state.dump(2) + "\n");
}

void BakeJournal::Log(const std::string& line) {
  log_ << line << "\n";
  log_.flush();
}

void PruneJournals(const std::string& home) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> done;
  for (const auto& e : fs::directory_iterator(home + "/bakes", ec)) {
    json state = ReadState(e.path().string());
    if (!state.is_object() || state.value("state", "") == "running") continue;
    done.emplace_back(fs::last_write_time(e.path() / "bake.json", ec), e.path());
  }
  if (done.size() <= kJournalsKept) return;
  std::sort(done.begin(), done.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = kJournalsKept; i < done.size(); ++i) fs::remove_all(done[i].second, ec);
}

std::vector<std::string> RecoverBakes(compute::Service& service, const std::string& home) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(home + "/bakes", ec)) {
    std::string dir = e.path().string();
    json state = ReadState(dir);
    if (!state.is_object() || state.value("state", "") != "running") continue;
    bool held = false;
    auto lock = base::FileLock::TryAcquire(dir + "/lock", &held);
    // Held: its bake is alive. No lock file at all: nobody can be holding it.
    if (held || (!lock.ok() && lock.status().code() != compute::Code::kNotFound)) continue;
    std::string project = state.value("project", "local"), zone = state.value("zone", "local-a");
    std::string instance = state.value("instance", ""), disk = state.value("disk", "");
    bool vm = !instance.empty() && service.instances().Delete(project, zone, instance, {}).ok();
    bool dk = !disk.empty() && service.disks().Delete(project, zone, disk, {}).ok();
    state["state"] = "interrupted";
    state["ended"] = Now3339();
    (void)base::WriteFileAtomic(dir + "/bake.json", state.dump(2) + "\n");
    out.push_back(fmt::format("an interrupted bake of {} was cleaned up: {}{}(log: {}/build.log)",
                              state.value("spec", "?"),
                              vm ? "builder VM " + instance + " deleted, " : "",
                              dk ? "disk " + disk + " deleted " : "", dir));
  }
  return out;
}

}  // namespace imago::bake
