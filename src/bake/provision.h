// Running one provisioner of a spec in the builder VM: a shell script or
// inline commands through the guest agent, a file or directory upload, or
// ansible-playbook on the host connected to the agent.
#ifndef IMAGO_BAKE_PROVISION_H_
#define IMAGO_BAKE_PROVISION_H_

#include <atomic>
#include <string>

#include "agent/guest_channel.h"
#include "bake/spec.h"
#include "compute/status.h"

namespace imago::bake {

/// What a provisioner runs with.
struct ProvisionContext {
  agent::GuestChannel* channel = nullptr;  // The builder VM's agent.
  std::string work_dir;                    // The bake's journal directory.
  std::string imago_program;               // Ansible's connection plugin runs it.
  int agent_port = 0;                      // For Ansible's connection plugin.
  std::string agent_token;
  std::string home;  // IMAGO_HOME: apt's state for apt provisioners (AptStateDir).
  const std::atomic<bool>* cancel = nullptr;
  agent::OutputFn on_output;  // The provisioner's output as it comes.
};

/// Runs provisioner number `index` (0-based). Returns its exit code (0 for
/// a file upload that worked); a non-OK Status when it could not run at
/// all (a file that cannot be read, the channel broke, cancelled).
compute::Result<int> RunProvisioner(const Provisioner& p, size_t index, ProvisionContext& ctx);

/// Where apt keeps its lists and downloads for `sources` (empty: the
/// host's sources, whose lists apt keeps itself): below `home`, one
/// directory per sources file.
std::string AptStateDir(const std::string& home, const std::string& sources);

/// Uploads a file or a directory tree (Packer's rule: a directory's
/// contents go below the destination).
compute::Status Upload(agent::GuestChannel& channel, const std::string& source,
                       const std::string& dest);

}  // namespace imago::bake

#endif  // IMAGO_BAKE_PROVISION_H_
