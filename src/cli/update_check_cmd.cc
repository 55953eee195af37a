// imago update-check FAMILY...: which packages in a family's head image have
// newer versions in Debian's package indexes, read without booting it.
#include <stdlib.h>
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "base/file_util.h"
#include "base/subprocess.h"
#include "cli/cloud_factory.h"
#include "cli/commands.h"
#include "compute/names.h"
#include "packages/debian_packages.h"

namespace imago::cli {

using compute::Status;

namespace {

constexpr const char* kDpkgStatus = "/var/lib/dpkg/status";
constexpr size_t kMaxStatusBytes = 64 << 20;

struct UpdateCheckFlags {
  std::vector<std::string> families;
  std::vector<std::string> indexes;
};

// A temporary directory, removed with everything in it when this goes.
struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/imago-update-check-XXXXXX";
    if (mkdtemp(tmpl)) path = tmpl;
  }
  ~TempDir() {
    if (!path.empty()) base::RunProcess({"rm", "-rf", path});
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
};

// The indexes to compare with: the --index values (paths or http(s) URLs,
// fetched into `tmp`), else apt's lists on this machine.
compute::Result<std::vector<packages::Index>> ReadIndexes(const std::vector<std::string>& given,
                                                          const std::string& tmp) {
  std::vector<std::string> names = given;
  if (names.empty()) {
    names = packages::AptListIndexes();
    if (names.empty()) {
      return Status::NotFound(
          "apt has no package lists on this machine: run apt-get update, or give --index "
          "URL|FILE");
    }
  }
  std::vector<packages::Index> out;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    std::string path = name;
    if (name.starts_with("http://") || name.starts_with("https://")) {
      // Keep the URL's file name: its extension says how it is compressed.
      std::string file = name.substr(name.rfind('/') + 1);
      path = fmt::format("{}/{}-{}", tmp, i, file.empty() ? "Packages" : file);
      IMAGO_RETURN_IF_ERROR(packages::DownloadIndex(name, path));
    }
    auto index = packages::ReadIndex(path, name, packages::IsSecurityIndex(name));
    if (!index.ok()) return index.status();
    out.push_back(std::move(*index));
  }
  return out;
}

int RunUpdateCheck(Context& ctx, const UpdateCheckFlags& f) {
  const char* cmd = "update-check";
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  TempDir tmp;
  if (tmp.path.empty())
    return ctx.Fail(cmd, Status::Unavailable("cannot make a temporary directory"));
  auto indexes = ReadIndexes(f.indexes, tmp.path);
  if (!indexes.ok()) return ctx.Fail(cmd, indexes.status());

  std::vector<Json> results, rows;
  int behind = 0;
  for (const auto& family : f.families) {
    auto head = svc->images().GetFromFamily(ctx.g.project, family);
    if (!head.ok()) return ctx.Fail(cmd, head.status());
    auto text = ReadImageFile(*svc, ctx.g.project, head->name, kDpkgStatus, kMaxStatusBytes);
    if (!text.ok()) {
      if (text.status().code() != compute::Code::kNotFound) return ctx.Fail(cmd, text.status());
      return ctx.Fail(cmd, Status::NotFound(fmt::format(
                               "image {} (head of {}) has no {}: update-check reads Debian "
                               "package lists, and this image has none",
                               head->name, family, kDpkgStatus)));
    }
    const std::string status_path = fmt::format("{}/{}.status", tmp.path, head->name);
    if (Status w = base::WriteFileAtomic(status_path, *text, 0600); !w.ok()) {
      return ctx.Fail(cmd, w);
    }
    auto installed = packages::ReadDpkgStatus(status_path);
    if (!installed.ok()) {
      return ctx.Fail(
          cmd, Status(installed.status().code(),
                      fmt::format("image {}: {}", head->name, installed.status().message())));
    }
    auto updates = packages::FindUpdates(*installed, *indexes);
    int security = 0;
    Json list = Json::array();
    for (const auto& u : updates) {
      security += u.security;
      Json j = {{"package", u.name},        {"arch", u.arch},         {"installed", u.installed},
                {"available", u.available}, {"security", u.security}, {"index", u.index}};
      list.push_back(j);
      Json row = j;
      row["family"] = family;
      row["image"] = head->name;
      rows.push_back(std::move(row));
    }
    behind += !updates.empty();
    results.push_back({{"family", family},
                       {"image", head->name},
                       {"installedPackages", installed->size()},
                       {"updates", list},
                       {"securityUpdates", security}});
    std::cerr << (updates.empty()
                      ? fmt::format("{} ({}): up to date, {} packages\n", family, head->name,
                                    installed->size())
                      : fmt::format("{} ({}): {} of {} packages have updates, {} of them "
                                    "security\n",
                                    family, head->name, updates.size(), installed->size(),
                                    security));
  }
  const Format format = ctx.OutputFormat(Format::kTable);
  if (format == Format::kTable) {
    if (!rows.empty()) {
      PrintTable(
          std::cout, rows,
          {{"FAMILY", [](const Json& j) { return Field(j, "family"); }},
           {"PACKAGE", [](const Json& j) { return Field(j, "package"); }},
           {"INSTALLED", [](const Json& j) { return Field(j, "installed"); }},
           {"AVAILABLE", [](const Json& j) { return Field(j, "available"); }},
           {"SECURITY", [](const Json& j) { return j.value("security", false) ? "yes" : "-"; }}});
    }
  } else {
    PrintResource(std::cout, format, results);
  }
  return behind ? kExitUpdates : kExitOk;
}

}  // namespace

void AddUpdateCheckCommand(CLI::App& root, Context& ctx) {
  auto f = std::make_shared<UpdateCheckFlags>();
  CLI::App* c = root.add_subcommand(
      "update-check",
      "Which packages of a family's head image have newer versions (security first)");
  c->add_option("FAMILY", f->families, "Image families whose head image is checked")->required();
  c->add_option("--index", f->indexes,
                "A Debian Packages index (file, or http(s) URL; .gz/.xz/.lz4 as apt reads); "
                "repeatable. Default: apt's lists on this machine")
      ->type_name("URL|FILE");
  c->footer(
      "The image's /var/lib/dpkg/status is read from its disk, without booting it (local "
      "cloud). An index whose name says debian-security or SUITE-security holds security "
      "updates.\n\nExit codes: 0 every image up to date, 100 updates exist (as dnf "
      "check-update), others as every command.\n\nExample:\n  imago update-check "
      "example-base\n  imago update-check example-base --index "
      "http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/Packages.xz --format json");
  c->callback([&ctx, f] { ctx.exit_code = RunUpdateCheck(ctx, *f); });
}

}  // namespace imago::cli
