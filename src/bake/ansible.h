// The ansible provisioner: Debian's ansible-playbook, run on the host,
// reaching the builder VM through imago-guest-agent with a connection plugin
// that imago writes next to the bake's journal (it calls `imago __guest`).
#ifndef IMAGO_BAKE_ANSIBLE_H_
#define IMAGO_BAKE_ANSIBLE_H_

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "agent/guest_channel.h"
#include "compute/status.h"

namespace imago::bake {

struct AnsibleRun {
  std::string playbook;  // Absolute path.
  std::map<std::string, std::string> extra_vars;
  std::string roles_path;                 // Absolute path, or empty.
  std::vector<std::string> ansible_args;  // Before the playbook on the command line.
  std::string work_dir;                   // Inventory, plugin and temporary files go here.
  std::string imago_program;              // The imago binary the plugin runs.
  int agent_port = 0;
  std::string agent_token;  // Passed in the environment, never on a command line.
  std::string python;       // The guest's python3, if known: saves Ansible's discovery.
};

/// Runs ansible-playbook and returns its exit code; output is streamed to
/// `on_output`. 503 when ansible-playbook cannot be started or `*cancel` was
/// set (the run is then killed).
compute::Result<int> RunAnsible(const AnsibleRun& run, const agent::OutputFn& on_output,
                                const std::atomic<bool>* cancel);

/// The connection plugin's Python source (exposed for tests).
const char* AnsibleConnectionPlugin();

}  // namespace imago::bake

#endif  // IMAGO_BAKE_ANSIBLE_H_
