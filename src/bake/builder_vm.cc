#include "bake/builder_vm.h"

namespace imago::bake {

using compute::Status;

Status BuilderVm::Boot() {
  compute::Instance in;
  in.name = spec_.name;
  in.description = spec_.description;
  in.machine_type = spec_.machine_type;
  in.labels = spec_.labels;
  compute::AttachedDisk boot;
  boot.boot = true;
  boot.auto_delete = false;  // Its image is made after the VM stops: Remove deletes it.
  compute::InitializeParams params;
  params.disk_name = spec_.name;
  params.source_image = "global/images/" + spec_.source_image;
  params.disk_size_gb = spec_.disk_size_gb;
  boot.initialize_params = params;
  in.disks.push_back(boot);
  in.metadata.items = {{"imago-agent-token", spec_.agent_token},
                       {"imago-ports", std::to_string(spec_.agent_guest_port)}};
  boot_tried_ = true;  // Even a failed insert may leave a disk to remove.
  IMAGO_RETURN_IF_ERROR(
      compute::OperationStatus(service_.instances().Insert(spec_.project, spec_.zone, in, {})));
  auto vm = service_.instances().Get(spec_.project, spec_.zone, spec_.name);
  if (!vm.ok()) return vm.status();
  for (const auto& fp : vm->forwarded_ports) {
    if (fp.guest_port == spec_.agent_guest_port) agent_port_ = fp.host_port;
  }
  if (agent_port_ == 0) return Status::Internal("the builder VM has no forwarded agent port");
  return Status::OK();
}

Status BuilderVm::CheckRunning(std::string* console) {
  auto now = service_.instances().Get(spec_.project, spec_.zone, spec_.name);
  if (!now.ok()) return now.status();
  if (now->status == "RUNNING") return Status::OK();
  std::string tail = Console();
  if (tail.size() > 2000) tail = tail.substr(tail.size() - 2000);
  *console = tail;
  return Status::Unavailable("the builder VM stopped while booting (" + now->status +
                             "); its serial output is in the build log");
}

std::string BuilderVm::Console() {
  auto serial =
      service_.instances().GetSerialPortOutput(spec_.project, spec_.zone, spec_.name, 1, 0);
  return serial.ok() ? serial->contents : "";
}

Status BuilderVm::Stop() {
  return compute::OperationStatus(
      service_.instances().Stop(spec_.project, spec_.zone, spec_.name, {}));
}

Status BuilderVm::Remove() {
  if (removed_ || !boot_tried_) return Status::OK();
  removed_ = true;
  std::string problems;
  auto op = service_.instances().Delete(spec_.project, spec_.zone, spec_.name, {});
  if (!op.ok() && op.status().code() != compute::Code::kNotFound) {
    problems += "cannot delete instance " + spec_.name + ": " + op.status().message();
  }
  auto d = service_.disks().Delete(spec_.project, spec_.zone, spec_.name, {});
  if (!d.ok() && d.status().code() != compute::Code::kNotFound) {
    problems += std::string(problems.empty() ? "" : "; ") + "cannot delete disk " + spec_.name +
                ": " + d.status().message();
  }
  return problems.empty() ? Status::OK() : Status::Unavailable(problems);
}

}  // namespace imago::bake
