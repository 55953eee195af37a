#include "bake/ansible.h"

#include <filesystem>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/subprocess.h"

namespace imago::bake {

using compute::Result;
using compute::Status;

const char* AnsibleConnectionPlugin() {
  return R"PY(# Written by imago bake: Ansible's way into an imago builder VM, through
# imago-guest-agent (no SSH server in the guest). Each call runs
# `imago __guest`, which speaks the agent's protocol.
from __future__ import annotations

import os
import subprocess

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.plugins.connection import ConnectionBase

DOCUMENTATION = """
name: imago_agent
short_description: run tasks in an imago builder VM through imago-guest-agent
description:
  - Commands, uploads and downloads go through `imago __guest` to the agent's
    forwarded port; the token comes from IMAGO_AGENT_TOKEN.
options:
  imago_port:
    description: the host port forwarded to the agent
    vars:
      - name: ansible_imago_port
"""

BROKEN = 255  # What `imago __guest` exits with when the agent cannot be reached.


class Connection(ConnectionBase):
    transport = "imago_agent"
    has_pipelining = True

    def _connect(self):
        self._connected = True
        return self

    def _guest(self, args, data=None):
        cmd = [os.environ["IMAGO_BIN"], "__guest", "--port", str(self.get_option("imago_port"))]
        p = subprocess.run(cmd + args, input=data or b"", capture_output=True)
        if p.returncode == BROKEN and p.stderr.startswith(b"imago __guest:"):
            raise AnsibleConnectionFailure(p.stderr.decode(errors="replace").strip())
        return p

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        p = self._guest(["exec", "--command=" + cmd], in_data)
        return p.returncode, p.stdout, p.stderr

    def put_file(self, in_path, out_path):
        super().put_file(in_path, out_path)
        p = self._guest(["put", in_path, out_path])
        if p.returncode != 0:
            raise AnsibleError(p.stderr.decode(errors="replace").strip())

    def fetch_file(self, in_path, out_path):
        super().fetch_file(in_path, out_path)
        p = self._guest(["get", in_path, out_path])
        if p.returncode != 0:
            raise AnsibleError(p.stderr.decode(errors="replace").strip())

    def close(self):
        self._connected = False
)PY";
}

Result<int> RunAnsible(const AnsibleRun& run, const agent::OutputFn& on_output,
                       const std::atomic<bool>* cancel) {
  namespace fs = std::filesystem;
  std::string plugins = run.work_dir + "/ansible/connection_plugins";
  fs::create_directories(plugins);
  std::ofstream(plugins + "/imago_agent.py") << AnsibleConnectionPlugin();
  std::string inventory = run.work_dir + "/ansible/inventory";
  std::ofstream(inventory) << "builder ansible_connection=imago_agent ansible_imago_port="
                           << run.agent_port << " ansible_python_interpreter="
                           << (run.python.empty() ? "auto_silent" : run.python) << "\n";
  std::string vars_file = run.work_dir + "/ansible/extra-vars.json";
  std::ofstream(vars_file) << nlohmann::json(run.extra_vars).dump();

  std::vector<std::string> argv = {"ansible-playbook", "-i", inventory, "-e", "@" + vars_file};
  argv.insert(argv.end(), run.ansible_args.begin(), run.ansible_args.end());
  argv.push_back(run.playbook);
  std::vector<std::string> env = {
      "IMAGO_BIN=" + run.imago_program,
      "IMAGO_AGENT_TOKEN=" + run.agent_token,
      "ANSIBLE_CONNECTION_PLUGINS=" + plugins,
      "ANSIBLE_HOST_KEY_CHECKING=False",
      "ANSIBLE_RETRY_FILES_ENABLED=False",
      "ANSIBLE_NOCOLOR=1",
      "ANSIBLE_PIPELINING=True",
      "ANSIBLE_LOCAL_TEMP=" + run.work_dir + "/ansible/tmp",
      "ANSIBLE_REMOTE_TMP=/tmp/.ansible-imago",
      "ANSIBLE_GATHERING=explicit",
      "PYTHONUNBUFFERED=1",
  };
  if (!run.roles_path.empty()) env.push_back("ANSIBLE_ROLES_PATH=" + run.roles_path);

  base::SubprocessOptions po;
  po.env = std::move(env);
  po.cwd = fs::path(run.playbook).parent_path().string();
  po.merge_stderr = true;  // One stream, in the order Ansible wrote it.
  po.cancel = cancel;
  po.on_output = [&](bool, std::string_view chunk) { on_output(false, std::string(chunk)); };
  auto r = base::RunProcess(argv, po);
  if (!r.ok()) {
    return Status::Unavailable("cannot run ansible-playbook: " + r.status().message() +
                               " (install Debian's ansible-core)");
  }
  if (r->cancelled) return Status::Unavailable("cancelled");
  return r->exit_code;
}

}  // namespace imago::bake
