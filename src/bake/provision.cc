#include "bake/provision.h"

#include <algorithm>
#include <filesystem>

#include "bake/ansible.h"
#include "base/file_util.h"
#include "packages/apt_fetch.h"

namespace imago::bake {

using compute::Result;
using compute::Status;

namespace {

Result<int> RunShell(const Provisioner& p, size_t index, ProvisionContext& ctx) {
  std::string command;
  if (!p.script.empty()) {
    std::string remote = "/tmp/imago-script-" + std::to_string(index + 1);
    IMAGO_RETURN_IF_ERROR(ctx.channel->PutFile(p.script, remote));
    command = "chmod 0755 " + remote + " && " + remote + "; rc=$?; rm -f " + remote + "; exit $rc";
  } else {
    command = "set -e\n";
    for (const auto& line : p.inline_commands) command += line + "\n";
  }
  return ctx.channel->Exec(command, p.environment, "", ctx.on_output, ctx.cancel);
}

Result<int> RunFile(const Provisioner& p, ProvisionContext& ctx) {
  // A file that cannot be uploaded is the spec's problem (exit code 3), as
  // a file that is missing when the spec is loaded.
  if (Status st = Upload(*ctx.channel, p.source, p.destination); !st.ok()) {
    return Status::Invalid(st.message());
  }
  ctx.on_output(false, p.source + " -> " + p.destination + "\n");
  return 0;
}

Result<int> RunAnsiblePlaybook(const Provisioner& p, ProvisionContext& ctx) {
  AnsibleRun run;
  run.playbook = p.playbook;
  run.extra_vars = p.extra_vars;
  run.ansible_args = p.ansible_args;
  run.roles_path = p.roles_path;
  run.work_dir = ctx.work_dir;
  run.imago_program = ctx.imago_program;
  run.agent_port = ctx.agent_port;
  run.agent_token = ctx.agent_token;
  // Ansible's interpreter discovery costs a Python start in the guest
  // (about a second without KVM); one shell lookup is enough.
  std::string python;
  auto found =
      ctx.channel->Exec("command -v python3", {}, "", [&](bool is_err, const std::string& c) {
        if (!is_err) python += c;
      });
  while (!python.empty() && (python.back() == '\n' || python.back() == ' ')) python.pop_back();
  if (found.ok() && *found == 0 && python.rfind('/', 0) == 0) run.python = python;
  return RunAnsible(run, ctx.on_output, ctx.cancel);
}

// Debian packages for the guest: its dpkg status read through the agent,
// apt on the host resolves and downloads what it needs (the guest has no
// network), and dpkg in the guest installs the files, in one run (unpack
// all, then configure).
Result<int> RunApt(const Provisioner& p, size_t index, ProvisionContext& ctx) {
  std::string status;
  auto cat =
      ctx.channel->Exec("cat /var/lib/dpkg/status", {}, "", [&](bool is_err, const std::string& c) {
        if (!is_err) status += c;
      });
  if (!cat.ok()) return cat.status();
  if (*cat != 0 || status.empty()) {
    return Status::Invalid("the builder has no /var/lib/dpkg/status: apt needs a Debian image");
  }
  const std::string n = std::to_string(index + 1);
  packages::AptSetup setup;
  setup.status = ctx.work_dir + "/apt-status-" + n;
  setup.sources = p.sources;
  setup.state_dir = AptStateDir(ctx.home, p.sources);
  IMAGO_RETURN_IF_ERROR(base::WriteFileAtomic(setup.status, status));
  packages::AptRequest request{p.upgrade, p.install};
  const std::string debs = ctx.work_dir + "/apt-debs-" + n;
  auto files = packages::AptDownload(setup, request, debs);
  if (!files.ok()) return files.status();
  if (files->empty()) {
    ctx.on_output(false, "apt: nothing to fetch: every package is current\n");
    return 0;
  }
  ctx.on_output(false, "apt: fetched " + std::to_string(files->size()) +
                           " package(s) on the host; installing them in the guest\n");
  const std::string remote = "/var/cache/imago-apt";
  IMAGO_RETURN_IF_ERROR(Upload(*ctx.channel, debs, remote));
  std::filesystem::remove_all(debs);
  // No service starts while packages install (policy-rc.d, unless the image
  // has its own); changed configuration files are kept (confold).
  std::string command =
      "made=\n"
      "[ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\\nexit 101\\n' "
      ">/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d && made=1; }\n"
      "/usr/bin/dpkg --force-confold --force-unsafe-io -i " +
      remote +
      "/*.deb\n"
      "rc=$?\n"
      "rm -rf " +
      remote +
      "\n"
      "[ -z \"$made\" ] || rm -f /usr/sbin/policy-rc.d\n"
      "exit $rc\n";
  return ctx.channel->Exec(command, {{"DEBIAN_FRONTEND", "noninteractive"}}, "", ctx.on_output,
                           ctx.cancel);
}

}  // namespace

std::string AptStateDir(const std::string& home, const std::string& sources) {
  if (sources.empty()) return home + "/apt/host";
  // One directory per sources file, named by its path ('/' as '%').
  std::string key = sources;
  std::replace(key.begin(), key.end(), '/', '%');
  return home + "/apt/" + key;
}

Result<int> RunProvisioner(const Provisioner& p, size_t index, ProvisionContext& ctx) {
  switch (p.kind) {
    case Provisioner::Kind::kShell:
      return RunShell(p, index, ctx);
    case Provisioner::Kind::kFile:
      return RunFile(p, ctx);
    case Provisioner::Kind::kAnsible:
      return RunAnsiblePlaybook(p, ctx);
    case Provisioner::Kind::kApt:
      return RunApt(p, index, ctx);
  }
  return Status::Internal("unknown provisioner kind");
}

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

}  // namespace imago::bake
