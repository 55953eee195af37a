// The journal of one bake, IMAGO_HOME/bakes/ID/: bake.json (its state and
// what it created), build.log, and a lock held while the bake runs. A bake
// whose lock is free but whose state is still "running" was killed:
// RecoverBakes deletes its builder VM and disk.
#ifndef IMAGO_BAKE_BAKE_JOURNAL_H_
#define IMAGO_BAKE_BAKE_JOURNAL_H_

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/file_lock.h"
#include "compute/service.h"
#include "compute/status.h"

namespace imago::bake {

class BakeJournal {
 public:
  BakeJournal() = default;
  BakeJournal(const BakeJournal&) = delete;
  BakeJournal& operator=(const BakeJournal&) = delete;

  /// Makes HOME/bakes/ID, takes its lock and opens build.log for appending.
  /// 503 when the directory or the lock cannot be had.
  compute::Status Open(const std::string& home, const std::string& id);
  /// Writes `state` to bake.json atomically.
  compute::Status Save();
  /// Appends one line to build.log (flushed: the log survives a kill).
  void Log(const std::string& line);

  std::string dir() const { return dir_; }
  std::string log_path() const { return dir_ + "/build.log"; }

  /// What bake.json holds: id, state (running, done, failed, cancelled,
  /// interrupted), spec, family, image, project, zone, instance, disk, times.
  nlohmann::json state = nlohmann::json::object();

 private:
  std::string dir_;
  base::FileLock lock_;
  std::ofstream log_;
};

/// Removes the journals of finished bakes beyond the newest 50, so that the
/// scan every command makes (RecoverBakes) stays small.
void PruneJournals(const std::string& home);

/// Cleans up after bakes that were killed: for every journal whose state is
/// "running" and whose lock is free (or gone), deletes its builder VM and
/// disk and marks it "interrupted". Returns one line per bake cleaned up.
std::vector<std::string> RecoverBakes(compute::Service& service, const std::string& home);

/// The current time as RFC 3339 text.
std::string Now3339();

}  // namespace imago::bake

#endif  // IMAGO_BAKE_BAKE_JOURNAL_H_
