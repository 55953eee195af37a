#include "bake/ansible.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

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

  std::vector<std::string> argv = {"ansible-playbook", "-i",        inventory, "-e",
                                   "@" + vars_file,    run.playbook};
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

  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0)
    return Status::Unavailable("pipe: " + std::string(strerror(errno)));
  pid_t pid = fork();
  if (pid < 0) return Status::Unavailable("fork: " + std::string(strerror(errno)));
  if (pid == 0) {
    setpgid(0, 0);
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    for (auto& kv : env) putenv(kv.data());
    if (chdir(fs::path(run.playbook).parent_path().c_str()) != 0) _exit(126);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execvp(args[0], args.data());
    dprintf(2, "cannot run ansible-playbook: %s (install Debian's ansible-core)\n",
            strerror(errno));
    _exit(127);
  }
  close(pipefd[1]);
  std::vector<char> buf(1 << 16);
  bool killed = false;
  for (;;) {
    pollfd p{pipefd[0], POLLIN, 0};
    int ready = poll(&p, 1, 100);
    if (cancel && cancel->load() && !killed) {
      kill(-pid, SIGTERM);
      killed = true;
    }
    if (ready <= 0) continue;
    ssize_t r = read(pipefd[0], buf.data(), buf.size());
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    on_output(false, std::string(buf.data(), static_cast<size_t>(r)));
  }
  close(pipefd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (killed) return Status::Unavailable("cancelled");
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace imago::bake
