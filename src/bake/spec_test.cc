#include "bake/spec.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "bake/cascade.h"
#include "bake/digest.h"
#include "base/testing.h"

namespace imago::bake {
namespace {

class SpecTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::string p = dir_.path() + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p) << text;
    return p;
  }
  std::string Error(const std::string& yaml) {
    auto s = LoadSpec(Write("spec.yaml", yaml));
    return s.ok() ? "(loaded)" : s.status().message();
  }
  base::TempDir dir_;
};

TEST_F(SpecTest, LoadsAFullSpec) {
  Write("files/a.conf", "x=1\n");
  Write("setup.sh", "echo hi\n");
  Write("ansible/site.yml", "- hosts: all\n");
  std::filesystem::create_directories(dir_.path() + "/ansible/roles");
  auto s = LoadSpec(Write("app.yaml", R"(
family: app
name: "{family}-{version}-v{date}"
naming: {version: 1.2.3}
source: {image_family: base}
labels: {team: web}
machine_type: e2-medium
disk_size_gb: 4
manifest: out/m.json
provisioners:
  - type: shell
    inline: [echo one, echo two]
    environment: {GREETING: hi}
  - type: shell
    script: setup.sh
  - type: file
    source: files/a.conf
    destination: /etc/a.conf
  - type: ansible
    playbook: ansible/site.yml
    roles_path: ansible/roles
    extra_vars: {port: 80}
)"));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->family, "app");
  EXPECT_EQ(s->source_family, "base");
  EXPECT_EQ(s->version, "1.2.3");
  EXPECT_EQ(s->disk_size_gb, 4);
  EXPECT_EQ(s->manifest, dir_.path() + "/out/m.json");
  ASSERT_EQ(s->provisioners.size(), 4u);
  EXPECT_EQ(s->provisioners[0].inline_commands.size(), 2u);
  EXPECT_EQ(s->provisioners[0].line, 11);
  EXPECT_EQ(s->provisioners[1].script, dir_.path() + "/setup.sh");
  EXPECT_EQ(s->provisioners[3].extra_vars.at("port"), "80");
  EXPECT_EQ(s->provisioners[3].roles_path, dir_.path() + "/ansible/roles");
}

TEST_F(SpecTest, BadSpecsNameFileLineAndKey) {
  std::string f = dir_.path() + "/spec.yaml";
  EXPECT_EQ(Error("family: a\nsource: {image_family: b}\nprovisoners: []\n"),
            f + ":3: key 'provisoners': unknown key (expected one of: name, naming, family, "
                "description, source, provisioners, labels, machine_type, disk_size_gb, manifest, "
                "boot_timeout, variables)");
  EXPECT_EQ(Error("family: a\n"),
            f + ":1: key 'source': missing: give source.image_family or source.image");
  EXPECT_EQ(Error("family: a\nsource: {image_family: b, image: c}\n"),
            f + ":2: key 'source': give exactly one of image_family and image");
  EXPECT_EQ(Error("family: a\nsource: {image_family: b}\nprovisioners:\n  - type: file\n"
                  "    source: nope.txt\n    destination: /x\n"),
            f + ":5: key 'provisioners[0].source': no such file: " + dir_.path() + "/nope.txt");
  EXPECT_EQ(
      Error("family: a\nsource: {image_family: b}\nprovisioners:\n  - type: shel\n"),
      f + ":4: key 'provisioners[0].type': unknown provisioner 'shel' (shell, file, ansible, apt)");
  EXPECT_EQ(Error("family: a\nsource: {image_family: b}\nprovisioners:\n  - type: apt\n"
                  "    install: [nginx, \"Bad Name\"]\n"),
            f + ":5: key 'provisioners[0].install': 'Bad Name' is not a Debian package name (NAME "
                "or NAME=VERSION)");
  EXPECT_EQ(
      Error("family: a\nsource: {image_family: b}\nprovisioners:\n  - type: apt\n"
            "    upgrade: false\n"),
      f + ":4: key 'provisioners[0]': an apt provisioner with upgrade: false needs 'install'");
  EXPECT_EQ(Error("family: a\nsource: {image_family: b}\nprovisioners:\n  - type: apt\n"
                  "    upgrade: yes\n"),
            f + ":5: key 'provisioners[0].upgrade': expected true or false");
  EXPECT_EQ(Error("family: a\nsource: {image_family: b}\nprovisioners:\n  - type: shell\n"),
            f + ":4: key 'provisioners[0]': a shell provisioner needs exactly one of 'inline' and "
                "'script'");
  EXPECT_EQ(Error("family: a\nsource: {image_family: b}\ndisk_size_gb: lots\n"),
            f + ":3: key 'disk_size_gb': expected a whole number");
  EXPECT_EQ(Error("family: a\nsource: {image_family: b}\nlabels: {imago-x: y}\n"),
            f + ":3: key 'labels.imago-x': labels starting with imago- are imago's own");
  EXPECT_NE(Error("family: [a\n").find(f + ":"), std::string::npos);
  EXPECT_NE(Error("family: a\nsource: {image_family: b}\nprovisioners:\n  - type: file\n"
                  "    source: spec.yaml\n    destination: relative\n")
                .find("expected an absolute path"),
            std::string::npos);
  EXPECT_EQ(Error("family: Not_A_Name\nsource: {image_family: b}\n").substr(0, f.size() + 2),
            f + ":1");
  EXPECT_EQ(LoadSpec(dir_.path()).status().message(),
            dir_.path() + ": not a spec file (a directory? --specs DIR takes one)");
  auto missing = LoadSpec(dir_.path() + "/none.yaml");
  EXPECT_NE(missing.status().message().find("cannot read the spec"), std::string::npos);
}

TEST_F(SpecTest, DigestCoversSpecSourceAndFiles) {
  Write("ansible/site.yml", "- hosts: all\n");
  Write("ansible/templates/a.j2", "one\n");
  std::string path = Write("app.yaml",
                           "family: app\nsource: {image_family: base}\nprovisioners:\n"
                           "  - type: ansible\n    playbook: ansible/site.yml\n");
  auto spec = LoadSpec(path);
  ASSERT_TRUE(spec.ok());
  auto d1 = BuildDigest(*spec, "1");
  ASSERT_TRUE(d1.ok());
  EXPECT_EQ(d1->size(), 64u);
  EXPECT_EQ(*BuildDigest(*spec, "1"), *d1);  // Stable.
  EXPECT_NE(*BuildDigest(*spec, "2"), *d1);  // Another source image.
  Write("ansible/templates/a.j2", "two\n");  // A file in the playbook's tree.
  auto d2 = BuildDigest(*spec, "1");
  EXPECT_NE(*d2, *d1);
  Write("ansible/.git/HEAD", "ref: x\n");  // .git is not an input.
  EXPECT_EQ(*BuildDigest(*spec, "1"), *d2);
  spec->labels["team"] = "x";  // The spec itself.
  EXPECT_NE(*BuildDigest(*spec, "1"), *d2);
}

TEST_F(SpecTest, AptProvisionersAndTheirPlansAreInTheDigest) {
  Write("repo.list", "deb [trusted=yes] file:/srv/repo ./\n");
  auto spec = LoadSpec(Write("base.yaml",
                             "family: base\nsource: {image_family: kit}\nprovisioners:\n"
                             "  - type: apt\n    install: [postgresql-15, libpq5=15.20-0+deb12u1]\n"
                             "    sources: repo.list\n"));
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  const Provisioner& p = spec->provisioners[0];
  EXPECT_EQ(p.kind, Provisioner::Kind::kApt);
  EXPECT_TRUE(p.upgrade);  // The default.
  EXPECT_EQ(p.install, (std::vector<std::string>{"postgresql-15", "libpq5=15.20-0+deb12u1"}));
  EXPECT_EQ(p.sources, dir_.path() + "/repo.list");
  // What apt resolves is an input: the same plan, the same digest; a new
  // version in the archive, a new digest.
  auto d1 = BuildDigest(*spec, "1", {"postgresql-15 15.20-0+deb12u1\n"});
  ASSERT_TRUE(d1.ok());
  EXPECT_EQ(*BuildDigest(*spec, "1", {"postgresql-15 15.20-0+deb12u1\n"}), *d1);
  EXPECT_NE(*BuildDigest(*spec, "1", {"postgresql-15 15.21-0+deb12u1\n"}), *d1);
  EXPECT_FALSE(BuildDigest(*spec, "1").ok());  // A plan per apt provisioner is required.
  Write("repo.list", "deb [trusted=yes] file:/srv/other ./\n");  // The sources file too.
  EXPECT_NE(*BuildDigest(*spec, "1", {"postgresql-15 15.20-0+deb12u1\n"}), *d1);
}

BakeSpec Spec(const std::string& path, const std::string& family, const std::string& source) {
  BakeSpec s;
  s.path = path;
  s.family = family;
  s.source_family = source;
  return s;
}

std::vector<std::string> Families(const std::vector<BakeSpec>& specs) {
  std::vector<std::string> out;
  for (const auto& s : specs) out.push_back(s.family);
  return out;
}

TEST(Cascade, ParentsFirstAndOnlyWhatDependsOnTheGiven) {
  std::vector<BakeSpec> pool = {
      Spec("/s/product.yaml", "product", "app"), Spec("/s/app.yaml", "app", "base"),
      Spec("/s/other.yaml", "other", "kit"), Spec("/s/base.yaml", "base", "kit"),
      Spec("/s/addon.yaml", "addon", "app")};
  auto plain = PlanBakes({pool[0], pool[3]}, pool, false);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(Families(*plain), (std::vector<std::string>{"base", "product"}));
  auto cascade = PlanBakes({pool[3]}, pool, true);
  ASSERT_TRUE(cascade.ok());
  auto order = Families(*cascade);
  ASSERT_EQ(order.size(), 4u);  // base, app, then addon and product; not other.
  EXPECT_EQ(order[0], "base");
  EXPECT_EQ(order[1], "app");
  EXPECT_EQ(std::set<std::string>(order.begin() + 2, order.end()),
            (std::set<std::string>{"addon", "product"}));
  auto from_app = PlanBakes({pool[1]}, pool, true);
  EXPECT_EQ(Families(*from_app).front(), "app");
  EXPECT_EQ(from_app->size(), 3u);
}

TEST(Cascade, CyclesAndDuplicateFamiliesAreErrors) {
  std::vector<BakeSpec> pool = {Spec("/s/a.yaml", "a", "c"), Spec("/s/b.yaml", "b", "a"),
                                Spec("/s/c.yaml", "c", "b")};
  auto cycle = PlanBakes({pool[0]}, pool, true);
  ASSERT_FALSE(cycle.ok());
  EXPECT_EQ(cycle.status().message(),
            "the specs form a cycle: a.yaml (family a) -> c.yaml (family c) -> b.yaml (family b) "
            "-> a.yaml");
  auto twice = PlanBakes({Spec("/s/x.yaml", "x", "k"), Spec("/s/y.yaml", "x", "k")}, {}, false);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(), "x.yaml and y.yaml both make family x: one spec per family");
}

TEST(Cascade, RunIdsAreUuids) {
  std::string id = NewRunId();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(NewRunId(), id);
}

TEST_F(SpecTest, VariablesFillNamingLabelsAndExtraVarsFromOneSource) {
  Write("site.yml", "- hosts: all\n");
  std::string path = Write("app.yaml", R"(
family: app
variables:
  version: 1.0.0
  channel: ~
naming: {role: app, version: "${var.version}"}
labels: {channel: "${var.channel}"}
source: {image_family: base}
provisioners:
  - type: ansible
    playbook: site.yml
    extra_vars: {app_version: "v${var.version}-${var.channel}"}
    ansible_args: [--tags, deploy]
)");
  auto s = LoadSpec(path, {{"channel", "beta"}});
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->version, "1.0.0");  // The default.
  EXPECT_EQ(s->labels.at("channel"), "beta");
  EXPECT_EQ(s->provisioners[0].extra_vars.at("app_version"), "v1.0.0-beta");
  EXPECT_EQ(s->provisioners[0].ansible_args, (std::vector<std::string>{"--tags", "deploy"}));
  EXPECT_EQ(s->variables, (VarValues{{"channel", "beta"}, {"version", "1.0.0"}}));
  auto next = LoadSpec(path, {{"channel", "beta"}, {"version", "1.1.0"}});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->version, "1.1.0");
  EXPECT_NE(CanonicalSpec(*next), CanonicalSpec(*s));  // Another version: another digest.

  EXPECT_EQ(LoadSpec(path).status().message(),
            path +
                ":7: key 'labels.channel': variable 'channel' has no value: give --var "
                "channel=VALUE (or a default under variables:)");
  EXPECT_EQ(LoadSpec(path, {{"channel", "b"}, {"versoin", "2"}}).status().message(),
            path +
                ": --var versoin: the spec declares no such variable under variables: (it "
                "has channel, version)");
  // A spec a cascade adds ignores the variables it does not declare.
  EXPECT_TRUE(LoadSpec(path, {{"channel", "b"}, {"other", "2"}}, /*strict=*/false).ok());
}

TEST_F(SpecTest, VariableMistakesNameTheLineAndKey) {
  EXPECT_EQ(Error("family: a\nsource: {image_family: b}\ndescription: ${var.nope}\n"),
            dir_.path() +
                "/spec.yaml:3: key 'description': ${var.nope} is not declared under "
                "variables:");
  EXPECT_EQ(Error("family: a\nvariables: {v: 1}\nsource: {image_family: b}\n"
                  "description: x${var.v\n"),
            dir_.path() + "/spec.yaml:4: key 'description': '${var.' without its closing '}'");
  EXPECT_EQ(Error("family: a\nvariables: [v]\nsource: {image_family: b}\n"),
            dir_.path() + "/spec.yaml:2: key 'variables': expected a map of NAME: DEFAULT");
  Write("site.yml", "- hosts: all\n");
  EXPECT_EQ(Error("family: a\nsource: {image_family: b}\nprovisioners:\n"
                  "  - {type: ansible, playbook: site.yml, ansible_args: [-i, other]}\n"),
            dir_.path() +
                "/spec.yaml:4: key 'provisioners[0].ansible_args': '-i': imago sets "
                "the inventory and the connection itself");
}

TEST_F(SpecTest, VarFilesAreMapsOfNamesAndValues) {
  auto v = LoadVarFile(Write("release.yaml", "version: 1.1.0\nchannel: stable\n"));
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(*v, (VarValues{{"channel", "stable"}, {"version", "1.1.0"}}));
  EXPECT_EQ(LoadVarFile(Write("bad.yaml", "version: [1]\n")).status().message(),
            dir_.path() + "/bad.yaml:1: key 'version': expected a value, not a list or map");
  EXPECT_FALSE(LoadVarFile(dir_.path() + "/none.yaml").ok());
}

}  // namespace
}  // namespace imago::bake
