// The real imago-guest-agent, run on this machine on loopback (it is an
// ordinary Linux program), driven through AgentChannel: what a builder VM
// does, without the VM.
#include "agent/guest_channel.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "base/testing.h"

namespace imago::agent {
namespace {

int FreePort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = FreePort();
    std::ofstream(dir_.path() + "/token") << "s3cret-token\n";
    pid_ = fork();
    if (pid_ == 0) {
      execl(IMAGO_GUEST_AGENT, "imago-guest-agent", "--token-file",
            (dir_.path() + "/token").c_str(), "--port", std::to_string(port_).c_str(), "--listen",
            "127.0.0.1", static_cast<char*>(nullptr));
      _exit(127);
    }
    channel_ = std::make_unique<AgentChannel>(port_, "s3cret-token");
    ASSERT_TRUE(channel_->WaitReady(std::chrono::seconds(10), nullptr).ok());
  }
  void TearDown() override {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }

  base::Result<int> Run(const std::string& cmd, std::string* out, std::string* err,
                        const std::map<std::string, std::string>& env = {},
                        const std::string& input = "") {
    return channel_->Exec(cmd, env, input, [&](bool is_err, const std::string& chunk) {
      (is_err ? err : out)->append(chunk);
    });
  }

  base::TempDir dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::unique_ptr<AgentChannel> channel_;
};

TEST_F(AgentTest, RunsCommandsWithTheirStreamsAndExitCodes) {
  std::string out, err;
  auto rc = Run("echo to-out; echo to-err >&2; exit 3", &out, &err);
  ASSERT_TRUE(rc.ok()) << rc.status().message();
  EXPECT_EQ(*rc, 3);
  EXPECT_EQ(out, "to-out\n");
  EXPECT_EQ(err, "to-err\n");
  out.clear();
  rc = Run("printf '%s|%s' \"$GREETING\" \"$(cat)\"", &out, &err, {{"GREETING", "hello world"}},
           "from stdin");
  EXPECT_EQ(*rc, 0);
  EXPECT_EQ(out, "hello world|from stdin");
  rc = Run("kill -9 $$", &out, &err);
  EXPECT_EQ(*rc, 137);
  rc = Run("no-such-command-here", &out, &err);
  EXPECT_EQ(*rc, 127);
}

TEST_F(AgentTest, OutputIsStreamedAsItComes) {
  std::vector<std::chrono::steady_clock::time_point> seen;
  auto rc = channel_->Exec("echo a; sleep 0.5; echo b", {}, "", [&](bool, const std::string&) {
    seen.push_back(std::chrono::steady_clock::now());
  });
  ASSERT_TRUE(rc.ok());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_GT(seen[1] - seen[0], std::chrono::milliseconds(300));
}

TEST_F(AgentTest, ABackgroundDaemonDoesNotHoldTheCommand) {
  std::string out, err;
  auto start = std::chrono::steady_clock::now();
  std::string pid_file = dir_.path() + "/daemon.pid";
  auto rc = Run("(sleep 30 & echo $! >" + pid_file + ") ; echo started", &out, &err);
  ASSERT_TRUE(rc.ok());
  EXPECT_EQ(*rc, 0);
  EXPECT_EQ(out, "started\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  Run("kill $(cat " + pid_file + ")", &out, &err);  // Only ours, nothing else on the machine.
}

TEST_F(AgentTest, FilesGoUpAndComeBackByteForByte) {
  std::string content(3 << 20, '\0');  // Several frames.
  std::mt19937 rng(1);
  for (char& c : content) c = static_cast<char>(rng());
  std::string local = dir_.path() + "/blob";
  std::ofstream(local, std::ios::binary) << content;
  chmod(local.c_str(), 0750);
  std::string remote = dir_.path() + "/guest/deep/dir/blob";
  ASSERT_TRUE(channel_->PutFile(local, remote).ok());
  EXPECT_EQ(Slurp(remote), content);
  struct stat st;
  stat(remote.c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0750u);
  ASSERT_TRUE(channel_->PutData("small", dir_.path() + "/guest/small", 0600).ok());
  EXPECT_EQ(Slurp(dir_.path() + "/guest/small"), "small");
  auto got = channel_->GetFile(remote, dir_.path() + "/back");
  ASSERT_TRUE(got.ok()) << got.message();
  EXPECT_EQ(Slurp(dir_.path() + "/back"), content);
}

TEST_F(AgentTest, ErrorsSayWhatFailed) {
  auto missing = channel_->GetFile(dir_.path() + "/nope", dir_.path() + "/x");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("cannot read " + dir_.path() + "/nope"), std::string::npos);
  EXPECT_NE(access((dir_.path() + "/x").c_str(), F_OK), 0);  // Nothing half-written.
  auto unwritable = channel_->PutData("x", "/proc/imago-cannot-write-here", 0644);
  ASSERT_FALSE(unwritable.ok());
  EXPECT_NE(unwritable.message().find("cannot write /proc/imago-cannot-write-here"),
            std::string::npos);
  AgentChannel wrong(port_, "not-the-token");
  std::string out, err;
  auto rc = wrong.Exec("true", {}, "", [](bool, const std::string&) {});
  ASSERT_FALSE(rc.ok());
  EXPECT_NE(rc.status().message().find("wrong token"), std::string::npos);
  AgentChannel nobody(FreePort(), "t");
  auto ready = nobody.WaitReady(std::chrono::milliseconds(300), nullptr);
  ASSERT_FALSE(ready.ok());
  EXPECT_NE(ready.message().find("did not answer"), std::string::npos);
}

TEST_F(AgentTest, CancellingKillsTheCommand) {
  std::atomic<bool> cancel{false};
  std::string marker = dir_.path() + "/survived";
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel = true;
  });
  auto rc = channel_->Exec(
      "sleep 2; touch " + marker, {}, "", [](bool, const std::string&) {}, &cancel);
  t.join();
  ASSERT_FALSE(rc.ok());
  EXPECT_EQ(rc.status().message(), "cancelled");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_NE(access(marker.c_str(), F_OK), 0) << "the command went on after the cancel";
}

}  // namespace
}  // namespace imago::agent
