#include "base/subprocess.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "base/file_util.h"
#include "base/testing.h"

namespace imago::base {
namespace {

TEST(SubprocessTest, CapturesOutputAndExitCode) {
  auto r = RunProcess({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_FALSE(r->cancelled);
}

TEST(SubprocessTest, AProgramThatIsNotThereIsAnError) {
  auto r = RunProcess({"imago-no-such-program"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("imago-no-such-program"), std::string::npos);
}

TEST(SubprocessTest, StreamsMergesAndSetsEnvAndDirectory) {
  TempDir dir;
  SubprocessOptions o;
  o.merge_stderr = true;
  o.env = {"IMAGO_TEST_VAR=hello"};
  o.cwd = dir.path();
  std::string seen;
  o.on_output = [&](bool is_err, std::string_view chunk) {
    EXPECT_FALSE(is_err);  // Merged into one stream.
    seen.append(chunk);
  };
  auto r = RunProcess({"sh", "-c", "echo $IMAGO_TEST_VAR; pwd; echo oops >&2"}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(seen, "hello\n" + dir.path() + "\noops\n");
  EXPECT_TRUE(r->out.empty());  // Streamed, not captured.
}

TEST(SubprocessTest, CancelEndsTheChildAndWhatItStarted) {
  std::atomic<bool> cancel{false};
  SubprocessOptions o;
  o.cancel = &cancel;
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel = true;
  });
  auto start = std::chrono::steady_clock::now();
  // A grandchild in the same process group goes too.
  auto r = RunProcess({"sh", "-c", "sleep 30 & sleep 30; wait"}, o);
  t.join();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->cancelled);
  EXPECT_NE(r->exit_code, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

// The child dies with its parent (PR_SET_PDEATHSIG), as ansible-playbook
// must when imago is killed: a process that ran RunProcess is killed -9, and
// its child's pid is gone soon after.
TEST(SubprocessTest, ChildDiesWithItsParent) {
  TempDir dir;
  std::string pidfile = dir.path() + "/child.pid";
  pid_t parent = fork();
  if (parent == 0) {
    (void)RunProcess({"sh", "-c", "echo $$ > " + pidfile + "; exec sleep 60"});
    _exit(0);
  }
  int child = 0;
  for (int i = 0; i < 200 && child == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto text = ReadFile(pidfile);
    if (text.ok()) child = atoi(text->c_str());
  }
  ASSERT_GT(child, 0);
  kill(parent, SIGKILL);
  waitpid(parent, nullptr, 0);
  bool gone = false;
  for (int i = 0; i < 250 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    // Gone, or a zombie nobody has reaped yet (in a container PID 1 may not).
    auto stat = ReadFile("/proc/" + std::to_string(child) + "/stat");
    gone = !stat.ok() || stat->find(") Z ") != std::string::npos;
  }
  EXPECT_TRUE(gone) << "child " << child << " outlived its parent";
}

TEST(SubprocessTest, FirstLineSkipsBlankLines) {
  EXPECT_EQ(FirstLine("\n  \nqemu-img: error\nmore"), "qemu-img: error");
  EXPECT_EQ(FirstLine(""), "");
}

}  // namespace
}  // namespace imago::base
