// How a VM is told apart from what is not one, with stand-in processes:
// a copy of /bin/sh named qemu-system-x86_64 plays a VM (its argv has
// -pidfile RUN/pid and it writes its pid there), and its forked subshell
// plays what QEMU forks for a guestfwd command before it execs: the same
// executable and argv, another pid. Only the VM itself may be found, and
// stopping an orphan may only ever signal that very pid.
#include "localcloud/qemu.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/file_util.h"
#include "base/testing.h"

namespace imago::localcloud {
namespace {

class FakeVm {
 public:
  // Starts the stand-in VM in RUN (created) below `root`.
  FakeVm(const std::string& bin_dir, const std::string& run) : run_(run) {
    std::filesystem::create_directories(run);
    std::string qemu = bin_dir + "/qemu-system-x86_64";
    if (!std::filesystem::exists(qemu)) std::filesystem::copy_file("/bin/sh", qemu);
    chmod(qemu.c_str(), 0755);
    // The subshell loops without exec: a fork of the "VM" with its argv.
    std::string script = "echo $$ > " + run + "/pid; (while :; do sleep 0.1; done) & wait";
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      execl(qemu.c_str(), "qemu-system-x86_64", "-c", script.c_str(), "qemu", "-pidfile",
            (run + "/pid").c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 200 && Children().empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~FakeVm() {
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  int pid() const { return pid_; }
  // The forked subshells of the VM (same executable and argv).
  std::vector<int> Children() const {
    std::vector<int> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
      int pid = atoi(e.path().filename().c_str());
      if (pid <= 0) continue;
      auto stat = base::ReadFile(e.path().string() + "/stat");
      if (!stat.ok()) continue;
      size_t paren = stat->rfind(')');
      if (paren == std::string::npos || paren + 3 >= stat->size()) continue;
      if (atoi(stat->c_str() + paren + 3) != pid_) continue;
      // A fork of the shell, not a `sleep` it ran.
      char exe[4096];
      ssize_t n = readlink((e.path().string() + "/exe").c_str(), exe, sizeof exe - 1);
      if (n > 0 && std::string(exe, n).ends_with("/qemu-system-x86_64")) out.push_back(pid);
    }
    return out;
  }

 private:
  std::string run_;
  int pid_ = 0;
};

TEST(QemuTest, FindsTheVmAndNeverItsForkedChild) {
  base::TempDir dir;
  std::string root = dir.path() + "/run/";
  FakeVm vm(dir.path(), root + "1000000000000000001");
  auto children = vm.Children();
  ASSERT_FALSE(children.empty()) << "the stand-in VM did not fork its subshell";
  int child = children[0];

  auto found = FindVms(root);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].first, vm.pid());
  EXPECT_EQ(found[0].second, root + "1000000000000000001");
  EXPECT_TRUE(VmAlive(vm.pid(), root + "1000000000000000001"));
  EXPECT_FALSE(VmAlive(child, root + "1000000000000000001"));
  // Another run directory, or a prefix of this one, is not its.
  EXPECT_FALSE(VmAlive(vm.pid(), root + "1000000000000000002"));
  EXPECT_FALSE(VmAlive(vm.pid(), root + "100000000000000000"));
  EXPECT_TRUE(FindVms(dir.path() + "/other/").empty());

  // Stopping "an orphan" by the child's pid does nothing to the VM.
  EXPECT_TRUE(KillVm(child, root + "1000000000000000001").ok());
  EXPECT_TRUE(VmAlive(vm.pid(), root + "1000000000000000001"));
  // Its own pid ends it.
  EXPECT_TRUE(KillVm(vm.pid(), root + "1000000000000000001").ok());
  EXPECT_FALSE(VmAlive(vm.pid(), root + "1000000000000000001"));
}

TEST(QemuTest, APidFileNamingAnotherProcessDisownsThisOne) {
  base::TempDir dir;
  std::string run = dir.path() + "/run/1000000000000000003";
  FakeVm vm(dir.path(), run);
  ASSERT_TRUE(VmAlive(vm.pid(), run));
  ASSERT_TRUE(base::WriteFileAtomic(run + "/pid", "1\n").ok());
  EXPECT_FALSE(VmAlive(vm.pid(), run));
}

}  // namespace
}  // namespace imago::localcloud
