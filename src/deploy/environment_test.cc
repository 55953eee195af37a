#include "deploy/environment.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "base/testing.h"

namespace imago::deploy {
namespace {

class EnvironmentTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::string p = dir_.path() + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  // The error of loading `text` as dev.yaml.
  std::string Error(const std::string& text) {
    auto env = LoadEnvironment(Write("dev.yaml", text));
    return env.ok() ? "loaded" : env.status().message();
  }
  base::TempDir dir_;
};

constexpr const char* kMinimal =
    "service: web\nimage:\n  family: app\nload_balancer:\n  port: 8080\n";

TEST_F(EnvironmentTest, DefaultsAreGcesAndTheFileNamesTheEnvironment) {
  auto env = LoadEnvironment(Write("dev.yaml", kMinimal));
  ASSERT_TRUE(env.ok()) << env.status().message();
  EXPECT_EQ(env->name, "dev");
  EXPECT_EQ(env->Prefix(), "web-dev");
  EXPECT_EQ(env->image_family, "app");
  EXPECT_EQ(env->model, Model::kPush);
  EXPECT_EQ(env->strategy, Strategy::kRedBlack);
  EXPECT_EQ(env->size, 1);
  EXPECT_EQ(env->port, 80);
  EXPECT_EQ(env->health.port, 80);  // The application's port.
  EXPECT_EQ(env->health.path, "/");
  EXPECT_EQ(env->health.interval_sec, 5);
  EXPECT_EQ(env->health.healthy_threshold, 2);
  EXPECT_EQ(env->lb_port, 8080);
  EXPECT_EQ(env->keep_previous_sec, 3600);
}

TEST_F(EnvironmentTest, EveryKey) {
  Write("app.conf", "listen 80\n");
  auto env = LoadEnvironment(Write("prod.yaml", R"(service: shop
image: {name: app-v7}
model: pull
autoscaling: {min: 2, max: 5, cpu_target: 0.5}
machine_type: e2-medium
port: 8000
config:
  APP_ENV: prod
  WORKERS: 4
files:
  app-conf: app.conf
health_check: {protocol: http, path: /health, interval: 10s, timeout: 5s, initial_delay: 2m}
strategy: {type: rolling, max_surge: 2, max_unavailable: 1, rollback_on_failure: false}
load_balancer: {port: 9000}
timeout: 15m
)"));
  ASSERT_TRUE(env.ok()) << env.status().message();
  EXPECT_EQ(env->image, "app-v7");
  EXPECT_EQ(env->model, Model::kPull);
  ASSERT_TRUE(env->autoscaling);
  EXPECT_EQ(env->autoscaling->max, 5);
  EXPECT_EQ(env->size, 2);
  EXPECT_EQ(env->health.port, 8000);
  EXPECT_EQ(env->health.interval_sec, 10);
  EXPECT_EQ(env->health.initial_delay_sec, 120);
  EXPECT_EQ(env->strategy, Strategy::kRolling);
  EXPECT_EQ(env->max_surge, 2);
  EXPECT_FALSE(env->rollback_on_failure);
  EXPECT_EQ(env->timeout_sec, 900);
  ASSERT_EQ(env->config.size(), 3u);
  EXPECT_EQ(env->config[1], (std::pair<std::string, std::string>{"WORKERS", "4"}));
  EXPECT_EQ(env->config[2].second, "listen 80\n");
}

TEST_F(EnvironmentTest, ErrorsNameFileLineAndKey) {
  std::string path = dir_.path() + "/dev.yaml";
  EXPECT_EQ(Error("service: web\nimage: {family: app}\nload_balancer: {port: 8080}\nsize: -1\n"),
            path + ":4: key 'size': expected a whole number from 0 to 100");
  EXPECT_EQ(Error(std::string(kMinimal) + "strategy: {type: blue}\n"),
            path + ":6: key 'strategy.type': expected red-black (or blue-green) or rolling");
  EXPECT_EQ(
      Error(std::string(kMinimal) + "sise: 3\n"),
      path +
          ":6: key 'sise': unknown key (expected one of: service, kind, project, zone, image, "
          "model, size, autoscaling, machine_type, port, config, files, secrets, "
          "health_check, strategy, load_balancer, timeout, ttl, allow_ttl, data_disks, "
          "clone_data, daily, smoke)");
  EXPECT_EQ(Error("image: {family: app}\nload_balancer: {port: 8080}\n"),
            path +
                ":1: key 'service': missing: the service's name (it names what is made, e.g. "
                "web)");
  EXPECT_EQ(Error("service: web\nimage: {family: app, name: app-v1}\nload_balancer: {port: 1}\n"),
            path + ":2: key 'image': give exactly one of family (tracked) and name (pinned)");
  EXPECT_NE(Error(std::string(kMinimal) + "files: {conf: nope.conf}\n")
                .find(":6: key 'files.conf': no such file"),
            std::string::npos);
  EXPECT_NE(Error(std::string(kMinimal) + "config: {imago-ports: 80}\n").find("imago's own"),
            std::string::npos);
  EXPECT_NE(Error(std::string(kMinimal) + "health_check: {interval: 5s, timeout: 10s}\n")
                .find("key 'health_check.timeout': is longer than health_check.interval"),
            std::string::npos);
  EXPECT_NE(Error("service: web\nimage: [\n").find(path + ":"), std::string::npos);
  EXPECT_NE(Error(std::string(kMinimal) + "strategy: {type: rolling, max_surge: 0, "
                                          "max_unavailable: 0}\n")
                .find("cannot both be 0"),
            std::string::npos);
}

TEST_F(EnvironmentTest, SecretsAreReferencesCheckedWithFileAndLine) {
  std::string path = dir_.path() + "/dev.yaml";
  auto env = LoadEnvironment(Write("dev.yaml", std::string(kMinimal) +
                                                   "secrets:\n"
                                                   "  DB_PASSWORD: vault:secret/data/app#password\n"
                                                   "  API_KEY: env:API_KEY\n"));
  ASSERT_TRUE(env.ok()) << env.status().message();
  ASSERT_EQ(env->secrets.size(), 2u);
  EXPECT_EQ(env->secrets[0].name, "DB_PASSWORD");
  EXPECT_EQ(env->secrets[0].ref.mount, "secret");
  EXPECT_EQ(env->secrets[1].ref.backend, secrets::Backend::kEnv);
  EXPECT_EQ(Error(std::string(kMinimal) + "secrets:\n  DB: vault:secret/app#pw\n"),
            path +
                ":7: key 'secrets.DB': secret reference 'vault:secret/app#pw': KV v2 paths are "
                "MOUNT/data/PATH (e.g. secret/data/app), as Vault's HTTP API names them");
  EXPECT_NE(Error(std::string(kMinimal) + "config: {DB: x}\nsecrets: {DB: env:DB}\n")
                .find("key 'secrets.DB': is also a configuration key"),
            std::string::npos);
  EXPECT_NE(Error(std::string(kMinimal) + "secrets: {imago-x: env:X}\n").find("imago's own"),
            std::string::npos);
  // A value pasted where a reference belongs is refused without being repeated.
  std::string pasted = Error(std::string(kMinimal) + "secrets: {DB: hunter2-pasted}\n");
  EXPECT_NE(pasted.find("key 'secrets.DB': not a secret reference"), std::string::npos) << pasted;
  EXPECT_EQ(pasted.find("hunter2-pasted"), std::string::npos) << pasted;
}

TEST_F(EnvironmentTest, DailyAndSmokeForThePipeline) {
  Write("smoke.sh", "#!/bin/sh\ncurl -sf \"$IMAGO_URL\"\n");
  auto dev =
      LoadEnvironment(Write("dev.yaml", std::string(kMinimal) + "daily: true\nsmoke: smoke.sh\n"));
  ASSERT_TRUE(dev.ok()) << dev.status().message();
  EXPECT_TRUE(dev->daily);
  EXPECT_EQ(dev->smoke, dir_.path() + "/smoke.sh");
  auto plain = LoadEnvironment(Write("qa.yaml", std::string(kMinimal)));
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_FALSE(plain->daily);
  EXPECT_EQ(plain->smoke, "");
  auto missing = LoadEnvironment(Write("dev.yaml", std::string(kMinimal) + "smoke: nope.sh\n"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(":6: key 'smoke'"), std::string::npos)
      << missing.status().message();
  EXPECT_FALSE(LoadEnvironment(Write("dev.yaml", std::string(kMinimal) + "daily: often\n")).ok());
}

TEST_F(EnvironmentTest, ATtlOnProductionNeedsAllowTtl) {
  auto dev = LoadEnvironment(Write("dev.yaml", std::string(kMinimal) + "ttl: 8h\n"));
  ASSERT_TRUE(dev.ok()) << dev.status().message();
  EXPECT_EQ(dev->ttl_sec, 8 * 3600);
  std::string path = dir_.path() + "/prod.yaml";
  auto prod = LoadEnvironment(Write("prod.yaml", std::string(kMinimal) + "ttl: 8h\n"));
  ASSERT_FALSE(prod.ok());
  EXPECT_EQ(prod.status().message(),
            path +
                ":6: key 'ttl': 'prod' is a production environment and a ttl destroys it "
                "when it ends; add allow_ttl: true if that is meant");
  auto allowed =
      LoadEnvironment(Write("prod.yaml", std::string(kMinimal) + "ttl: 2d\nallow_ttl: true\n"));
  ASSERT_TRUE(allowed.ok()) << allowed.status().message();
  EXPECT_EQ(allowed->ttl_sec, 2 * 86400);
  EXPECT_FALSE(LoadEnvironment(Write("qa.yaml", std::string(kMinimal) + "ttl: 1s\n")).ok());
  EXPECT_TRUE(IsProductionName("production-eu"));
  EXPECT_FALSE(IsProductionName("preprod"));
}

TEST_F(EnvironmentTest, DataDisksMakeAStatefulRollingGroup) {
  auto env = LoadEnvironment(
      Write("dev.yaml", std::string(kMinimal) + "data_disks:\n  data: {size: 20GB}\n"));
  ASSERT_TRUE(env.ok()) << env.status().message();
  ASSERT_EQ(env->data_disks.size(), 1u);
  EXPECT_EQ(env->data_disks[0].device, "data");
  EXPECT_EQ(env->data_disks[0].size_gb, 20);
  EXPECT_EQ(env->strategy, Strategy::kRolling);  // Implied: the disks stay with their VMs.
  EXPECT_EQ(env->max_surge, 0);
  EXPECT_EQ(env->max_unavailable, 1);
  std::string path = dir_.path() + "/dev.yaml";
  EXPECT_NE(Error(std::string(kMinimal) + "data_disks: {data: {size: 20GB}}\nstrategy: red-black\n")
                .find(":7: key 'strategy': red-black makes new VMs in a new group"),
            std::string::npos);
  EXPECT_NE(Error(std::string(kMinimal) +
                  "data_disks: {data: {size: 1GB}}\nstrategy: {type: rolling, max_surge: 1}\n")
                .find("key 'strategy.max_surge': must be 0 with data_disks"),
            std::string::npos);
  EXPECT_NE(Error(std::string(kMinimal) + "data_disks: {data: {size: 0GB}}\n")
                .find("key 'data_disks.data.size': expected a size in GB"),
            std::string::npos);
  EXPECT_NE(Error(std::string(kMinimal) + "data_disks: {Data: {size: 1GB}}\n")
                .find("key 'data_disks.Data': a device name is lowercase"),
            std::string::npos);
  EXPECT_NE(Error(std::string(kMinimal) +
                  "data_disks: {data: {size: 1GB}}\nautoscaling: {min: 1, max: 3}\n")
                .find("cannot autoscale"),
            std::string::npos);
}

TEST_F(EnvironmentTest, KindInstanceIsOneVmWithoutGroupOrLoadBalancer) {
  constexpr const char* kVm =
      "service: pg\nkind: instance\nimage: {family: db}\ndata_disks: {data: {size: 5GB}}\n";
  auto env = LoadEnvironment(Write("db.yaml", kVm));
  ASSERT_TRUE(env.ok()) << env.status().message();
  EXPECT_EQ(env->kind, Kind::kInstance);
  EXPECT_EQ(env->strategy, Strategy::kReplace);  // Not a stateful group's rolling.
  EXPECT_STREQ(StrategyName(env->strategy), "replace");
  EXPECT_EQ(env->lb_port, 0);
  EXPECT_EQ(env->size, 1);
  EXPECT_TRUE(env->rollback_on_failure);
  auto keep = LoadEnvironment(
      Write("db.yaml", std::string(kVm) + "strategy: {rollback_on_failure: false}\n"));
  ASSERT_TRUE(keep.ok()) << keep.status().message();
  EXPECT_FALSE(keep->rollback_on_failure);
  EXPECT_EQ(LoadEnvironment(Write("dev.yaml", kMinimal))->kind, Kind::kGroup);

  EXPECT_NE(Error(std::string(kVm) + "load_balancer: {port: 80}\n")
                .find(":5: key 'load_balancer': kind: instance is one VM, reached at its own "
                      "address"),
            std::string::npos);
  for (const char* bad : {"size: 1\n", "autoscaling: {min: 1, max: 2}\n"}) {
    EXPECT_NE(Error(std::string(kVm) + bad).find("kind: instance is one VM"), std::string::npos)
        << bad;
  }
  EXPECT_NE(Error(std::string(kVm) + "model: pull\n").find("key 'model': kind: instance is push"),
            std::string::npos);
  for (const char* bad : {"strategy: rolling\n", "strategy: {type: red-black}\n",
                          "strategy: {max_unavailable: 1}\n"}) {
    EXPECT_NE(Error(std::string(kVm) + bad).find("only strategy.rollback_on_failure applies"),
              std::string::npos)
        << bad;
  }
  EXPECT_NE(
      Error("service: pg\nkind: vm\nimage: {family: db}\n").find(":2: key 'kind': expected group"),
      std::string::npos);
}

TEST_F(EnvironmentTest, CloneDataNamesItsSourceScriptsAndBackups) {
  Write("scrub.sh", "#!/bin/sh\nexit 0\n");
  Write("restore.sh", "#!/bin/sh\ncat \"$IMAGO_BACKUP\" >/dev/null\n");
  ASSERT_EQ(mkdir((dir_.path() + "/backups").c_str(), 0700), 0);
  const std::string disks = std::string(kMinimal) + "data_disks: {data: {size: 1GB}}\n";
  auto env = LoadEnvironment(
      Write("dev.yaml", disks + "clone_data: {from: prod, backups: backups, restore: restore.sh, "
                                "scrub: scrub.sh, timeout: 10m}\n"));
  ASSERT_TRUE(env.ok()) << env.status().message();
  ASSERT_TRUE(env->clone_data.has_value());
  EXPECT_EQ(env->clone_data->from, "prod");
  EXPECT_EQ(env->clone_data->scrub, "#!/bin/sh\nexit 0\n");
  EXPECT_NE(env->clone_data->restore.find("IMAGO_BACKUP"), std::string::npos);
  EXPECT_EQ(env->clone_data->timeout_sec, 600);
  EXPECT_TRUE(env->clone_data->backups.ends_with("/backups"));
  EXPECT_NE(Error(std::string(kMinimal) + "clone_data: {from: prod}\n").find("needs data_disks"),
            std::string::npos);
  EXPECT_NE(Error(disks + "clone_data: {from: prod, backups: backups}\n")
                .find("key 'clone_data.backups': needs clone_data.restore"),
            std::string::npos);
  EXPECT_NE(Error(disks + "clone_data: {scrub: missing.sh}\n").find("key 'clone_data.scrub'"),
            std::string::npos);
  EXPECT_NE(Error(disks + "clone_data: {from: Prod}\n").find("key 'clone_data.from'"),
            std::string::npos);
  EXPECT_NE(Error(disks + "clone_data: {form: prod}\n").find("unknown key"), std::string::npos);
}

TEST_F(EnvironmentTest, ConfigHashFollowsWhatTheVmsGet) {
  auto a = LoadEnvironment(Write("dev.yaml", std::string(kMinimal) + "config: {A: x}\n"));
  auto b = LoadEnvironment(Write("prod.yaml", std::string(kMinimal) + "config: {A: x}\n"));
  auto c = LoadEnvironment(Write("qa.yaml", std::string(kMinimal) + "config: {A: y}\n"));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(ConfigHash(*a), ConfigHash(*b));
  EXPECT_NE(ConfigHash(*a), ConfigHash(*c));
  auto d = LoadEnvironment(
      Write("ci.yaml", std::string(kMinimal) + "config: {A: x}\nsecrets: {B: env:B}\n"));
  ASSERT_TRUE(d.ok());
  EXPECT_NE(ConfigHash(*a), ConfigHash(*d));  // A new reference is a new configuration.
}

TEST_F(EnvironmentTest, FindsTheFileByName) {
  Write("dev.yaml", kMinimal);
  auto p = FindEnvironmentFile(dir_.path(), "dev");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, dir_.path() + "/dev.yaml");
  auto missing = FindEnvironmentFile(dir_.path(), "prod");
  EXPECT_EQ(missing.status().code(), compute::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("prod.yaml does not exist"), std::string::npos);
}

}  // namespace
}  // namespace imago::deploy
