// Baker::Bake as its steps, without a VM: a real local cloud for images and
// disks, a stand-in for the instances collection (it boots nothing) and a
// stand-in guest that records what the provisioners ask. And RecoverBakes:
// a journal whose bake died is cleaned up, one whose bake is alive is left.
#include "bake/baker.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "base/file_lock.h"
#include "base/testing.h"
#include "compute/resource_ref.h"
#include "testenv/test_cloud.h"

namespace imago::bake {
namespace {

using compute::Instance;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Status;

/// Instances that boot nothing: an insert makes its new disks through the
/// real disks collection and records the instance RUNNING with its ports
/// forwarded to made-up host ports.
class FakeInstances final : public compute::Instances {
 public:
  explicit FakeInstances(compute::Disks& disks) : disks_(disks) {}

  Result<Operation> Insert(const std::string& p, const std::string& z, const Instance& in,
                           const MutationOptions&) override {
    Instance made = in;
    for (auto& d : made.disks) {
      if (!d.initialize_params) continue;
      compute::Disk disk;
      disk.name = d.initialize_params->disk_name;
      disk.source_image = d.initialize_params->source_image;
      auto op = disks_.Insert(p, z, disk, {});
      if (!op.ok()) return op.status();
      d.source = "zones/" + z + "/disks/" + disk.name;
    }
    for (const auto& [k, v] : made.metadata.items) {
      if (k == "imago-ports") made.forwarded_ports.push_back({std::stoi(v), 40000, "127.0.0.1"});
    }
    made.status = "RUNNING";
    vms_[made.name] = made;
    return Done();
  }
  Result<Instance> Get(const std::string& p, const std::string& z,
                       const std::string& name) override {
    auto it = vms_.find(name);
    if (it == vms_.end())
      return Status::ResourceNotFound(compute::ZonalPath(p, z, "instances", name));
    return it->second;
  }
  Result<Operation> Stop(const std::string& p, const std::string& z, const std::string& name,
                         const MutationOptions&) override {
    auto it = vms_.find(name);
    if (it == vms_.end())
      return Status::ResourceNotFound(compute::ZonalPath(p, z, "instances", name));
    it->second.status = "TERMINATED";
    return Done();
  }
  Result<Operation> Delete(const std::string& p, const std::string& z, const std::string& name,
                           const MutationOptions&) override {
    if (!vms_.erase(name))
      return Status::ResourceNotFound(compute::ZonalPath(p, z, "instances", name));
    return Done();
  }
  Result<compute::SerialPortOutput> GetSerialPortOutput(const std::string&, const std::string&,
                                                        const std::string&, int, int64_t) override {
    return compute::SerialPortOutput{"stand-in console\n", 0, 17};
  }
  // Not used by a bake.
  Result<compute::ListPage<Instance>> List(const std::string&, const std::string&,
                                           const compute::ListOptions&) override {
    return Unused();
  }
  Result<compute::AggregatedPage<Instance>> AggregatedList(const std::string&,
                                                           const compute::ListOptions&) override {
    return Unused();
  }
  Result<Operation> Start(const std::string&, const std::string&, const std::string&,
                          const MutationOptions&) override {
    return Unused();
  }
  Result<Operation> Reset(const std::string&, const std::string&, const std::string&,
                          const MutationOptions&) override {
    return Unused();
  }
  Result<Operation> AttachDisk(const std::string&, const std::string&, const std::string&,
                               const compute::AttachedDisk&, const MutationOptions&) override {
    return Unused();
  }
  Result<Operation> DetachDisk(const std::string&, const std::string&, const std::string&,
                               const std::string&, const MutationOptions&) override {
    return Unused();
  }
  Result<Operation> SetMetadata(const std::string&, const std::string&, const std::string&,
                                const compute::Metadata&, const MutationOptions&) override {
    return Unused();
  }
  Result<Operation> SetDeletionProtection(const std::string&, const std::string&,
                                          const std::string&, bool,
                                          const MutationOptions&) override {
    return Unused();
  }

  std::map<std::string, Instance> vms_;

 private:
  static Operation Done() {
    Operation op;
    op.status = "DONE";
    return op;
  }
  static Status Unused() { return Status::Internal("not used by a bake"); }
  compute::Disks& disks_;
};

/// A guest that runs nothing: it records commands and uploads, and answers
/// each command with the exit code of the first rule whose text it contains.
class FakeGuest final : public agent::GuestChannel {
 public:
  FakeGuest(std::vector<std::string>* log, std::map<std::string, int> exit_codes)
      : log(*log), exit_codes(std::move(exit_codes)) {}
  Status WaitReady(std::chrono::milliseconds, const std::function<Status()>& alive) override {
    return alive();
  }
  Result<int> Exec(const std::string& command, const std::map<std::string, std::string>&,
                   const std::string&, const agent::OutputFn& on_output,
                   const std::atomic<bool>*) override {
    log.push_back("exec " + command);
    on_output(false, "ran: " + command.substr(0, 20) + "\n");
    for (const auto& [text, rc] : exit_codes) {
      if (command.find(text) != std::string::npos) return rc;
    }
    return 0;
  }
  Status PutData(const std::string&, const std::string& remote, int) override {
    log.push_back("put " + remote);
    return Status::OK();
  }
  Status PutFile(const std::string&, const std::string& remote) override {
    log.push_back("put " + remote);
    return Status::OK();
  }
  Status GetFile(const std::string&, const std::string&) override { return Status::OK(); }

  std::vector<std::string>& log;  // The test's: it outlives the guest.
  std::map<std::string, int> exit_codes;
};

class QuietReporter final : public BakeReporter {
 public:
  void Step(const std::string& what) override { steps.push_back(what); }
  void Done(const std::string&) override {}
  void Output(bool, const std::string&) override {}
  std::vector<std::string> steps;
};

class BakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = dir_.path() + "/home";
    cloud_ = testenv::OpenTestCloud({home_});
    instances_ = std::make_unique<FakeInstances>(cloud_->disks());
    svc_ = std::make_unique<compute::ComposedService>(*cloud_);
    svc_->Use(*instances_);
    std::string raw = dir_.path() + "/seed.raw";
    base::WriteFile(raw, 1 << 20, 3);
    compute::Image seed;
    seed.name = "base-v1";
    seed.family = "base";
    seed.raw_disk = compute::RawDisk{raw, "", ""};
    ASSERT_TRUE(cloud_->images().Insert("local", seed, {}).ok());
    std::ofstream(dir_.path() + "/motd") << "hello\n";
    spec_.path = dir_.path() + "/app.yaml";
    spec_.dir = dir_.path();
    spec_.family = "app";
    spec_.source_family = "base";
    Provisioner shell;
    shell.kind = Provisioner::Kind::kShell;
    shell.line = 4;
    shell.inline_commands = {"apt-get install -y nginx", "touch /etc/app"};
    Provisioner file;
    file.kind = Provisioner::Kind::kFile;
    file.line = 8;
    file.source = dir_.path() + "/motd";
    file.destination = "/etc/motd";
    spec_.provisioners = {shell, file};
    options_.home = home_;
    options_.open_channel = [this](int port, const std::string&) {
      EXPECT_EQ(port, 40000);  // The port the builder's metadata asked for, forwarded.
      return std::unique_ptr<agent::GuestChannel>(
          std::make_unique<FakeGuest>(&guest_log_, exit_codes_));
    };
  }

  std::string JournalState() {
    for (const auto& e : std::filesystem::directory_iterator(home_ + "/bakes")) {
      std::ifstream in(e.path() / "bake.json");
      return nlohmann::json::parse(in).value("state", "");
    }
    return "";
  }

  base::TempDir dir_;
  std::string home_;
  std::unique_ptr<compute::Service> cloud_;
  std::unique_ptr<FakeInstances> instances_;
  std::unique_ptr<compute::ComposedService> svc_;
  BakeSpec spec_;
  BakeOptions options_;
  std::map<std::string, int> exit_codes_;
  std::vector<std::string> guest_log_;  // What the guest was asked, in order.
  QuietReporter reporter_;
};

TEST_F(BakeTest, ABakeIsItsStepsAndLeavesOnlyTheImage) {
  Baker baker(*svc_, reporter_);
  BakeResult r;
  Status st = baker.Bake(spec_, options_, &r);
  ASSERT_TRUE(st.ok()) << st.message();
  // The guest ran the shell lines, got the file, then synced before the power-off.
  ASSERT_EQ(guest_log_.size(), 3u);
  EXPECT_NE(guest_log_[0].find("apt-get install -y nginx\ntouch /etc/app"), std::string::npos);
  EXPECT_EQ(guest_log_[1], "put /etc/motd");
  EXPECT_EQ(guest_log_[2], "exec sync");
  EXPECT_FALSE(r.cached);
  EXPECT_EQ(r.source_image, "base-v1");
  auto image = cloud_->images().GetFromFamily("local", "app");
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->name, r.image);
  EXPECT_EQ(image->labels.at(kDigestLabel), r.digest.substr(0, 40));
  EXPECT_EQ(image->labels.at("imago-source-image"), "base-v1");
  EXPECT_EQ(compute::LastSegment(image->source_image), "base-v1");  // Lineage.
  // The builder VM and its disk are gone; the journal says done.
  EXPECT_TRUE(instances_->vms_.empty());
  auto disks = compute::ListAllDisks(cloud_->disks(), "local", "local-a");
  ASSERT_TRUE(disks.ok());
  EXPECT_TRUE(disks->empty());
  EXPECT_EQ(JournalState(), "done");
  // The steps, in the order docs/bake.md lists them.
  std::vector<std::string> want_prefixes = {"booting builder VM",  "provisioner 1 (shell",
                                            "provisioner 2 (file", "powering off",
                                            "creating image",      "deleting builder VM"};
  ASSERT_EQ(reporter_.steps.size(), want_prefixes.size());
  for (size_t i = 0; i < want_prefixes.size(); ++i) {
    EXPECT_TRUE(reporter_.steps[i].starts_with(want_prefixes[i])) << reporter_.steps[i];
  }
  // A second bake of the same spec is a cache hit: no builder at all.
  QuietReporter again;
  Baker cached(*svc_, again);
  BakeResult r2;
  ASSERT_TRUE(cached.Bake(spec_, options_, &r2).ok());
  EXPECT_TRUE(r2.cached);
  EXPECT_EQ(r2.image, r.image);
  EXPECT_TRUE(again.steps.empty());
}

TEST_F(BakeTest, ADryRunSaysWhatWouldBeBuiltAndWhichInputChanged) {
  Baker baker(*svc_, reporter_);
  BakeDryRun d;
  ASSERT_TRUE(baker.DryRun(spec_, options_, &d).ok());
  EXPECT_TRUE(d.cached_image.empty());
  EXPECT_EQ(d.source_image, "base-v1");
  ASSERT_EQ(d.why.size(), 1u);
  EXPECT_EQ(d.why[0], "family app has no image yet");
  EXPECT_TRUE(instances_->vms_.empty());  // Nothing booted, nothing made.
  EXPECT_FALSE(cloud_->images().GetFromFamily("local", "app").ok());

  BakeResult r;
  ASSERT_TRUE(baker.Bake(spec_, options_, &r).ok());
  BakeDryRun hit;
  ASSERT_TRUE(baker.DryRun(spec_, options_, &hit).ok());
  EXPECT_EQ(hit.cached_image, r.image);
  EXPECT_EQ(hit.digest, r.digest);
  guest_log_.clear();

  // The file provisioner's source changes: that input, and only it.
  std::ofstream(dir_.path() + "/motd") << "hello again\n";
  BakeDryRun miss;
  ASSERT_TRUE(baker.DryRun(spec_, options_, &miss).ok());
  EXPECT_TRUE(miss.cached_image.empty());
  ASSERT_EQ(miss.why.size(), 1u);
  EXPECT_EQ(miss.why[0],
            "provisioner 2 (file at app.yaml:8): source changed (since " + r.image + ")");
  // A new source image and a changed setting: both said.
  compute::Image v2;
  v2.name = "base-v2";
  v2.family = "base";
  v2.raw_disk = compute::RawDisk{dir_.path() + "/seed.raw", "", ""};
  ASSERT_TRUE(cloud_->images().Insert("local", v2, {}).ok());
  spec_.provisioners[0].inline_commands.push_back("true");
  BakeDryRun two;
  ASSERT_TRUE(baker.DryRun(spec_, options_, &two).ok());
  ASSERT_EQ(two.why.size(), 3u);
  EXPECT_EQ(two.why[0], "source image: base-v1 -> base-v2 (since " + r.image + ")");
  EXPECT_EQ(two.why[1], "spec settings changed (since " + r.image + ")");
  EXPECT_TRUE(guest_log_.empty());  // A dry run runs nothing.
}

TEST_F(BakeTest, AFailingProvisionerLeavesNothingAndSaysWhy) {
  exit_codes_["apt-get install"] = 100;
  Baker baker(*svc_, reporter_);
  BakeResult r;
  Status st = baker.Bake(spec_, options_, &r);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), compute::Code::kInvalid);
  EXPECT_NE(st.message().find("provisioner 1 (shell at app.yaml:4) exited with 100"),
            std::string::npos)
      << st.message();
  EXPECT_EQ(r.provisioner_exit_code, 100);
  ASSERT_FALSE(r.last_output.empty());
  EXPECT_FALSE(cloud_->images().GetFromFamily("local", "app").ok());  // No image entered it.
  EXPECT_TRUE(instances_->vms_.empty());
  auto disks = compute::ListAllDisks(cloud_->disks(), "local", "local-a");
  ASSERT_TRUE(disks.ok());
  EXPECT_TRUE(disks->empty());
  EXPECT_EQ(JournalState(), "failed");
  // The file provisioner never ran.
  ASSERT_EQ(guest_log_.size(), 1u);
  EXPECT_TRUE(guest_log_[0].starts_with("exec set -e"));
}

void WriteJournal(const std::string& dir, const std::string& state) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/bake.json")
      << nlohmann::json{{"state", state},    {"spec", dir + "/spec.yaml"}, {"project", "local"},
                        {"zone", "local-a"}, {"instance", "bake-gone"},    {"disk", "bake-gone"}}
             .dump();
}

std::string State(const std::string& dir) {
  std::ifstream in(dir + "/bake.json");
  return nlohmann::json::parse(in).value("state", "");
}

TEST(RecoverBakes, CleansUpDeadBakesOnly) {
  base::TempDir dir;
  std::string home = dir.path() + "/home";
  auto cloud = testenv::OpenTestCloud({home});
  std::string bakes = home + "/bakes";
  WriteJournal(bakes + "/dead", "running");
  WriteJournal(bakes + "/alive", "running");
  WriteJournal(bakes + "/finished", "done");
  auto held = base::FileLock::Acquire(bakes + "/alive/lock");  // Its bake runs.
  ASSERT_TRUE(held.ok());
  auto lines = RecoverBakes(*cloud, home);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("an interrupted bake of " + bakes + "/dead/spec.yaml was cleaned up"),
            std::string::npos)
      << lines[0];
  EXPECT_EQ(State(bakes + "/dead"), "interrupted");
  EXPECT_EQ(State(bakes + "/alive"), "running");
  EXPECT_EQ(State(bakes + "/finished"), "done");
  EXPECT_TRUE(RecoverBakes(*cloud, home).empty());  // Once only.
}

}  // namespace
}  // namespace imago::bake
