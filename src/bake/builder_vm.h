// BuilderVm: the machine a bake configures. An instance booted from a
// copy-on-write disk of the source image, the guest agent's token in its
// metadata and the agent's port forwarded to the host. It is deleted with
// its disk when the BuilderVm goes (or by Remove()): on success, failure
// and cancel alike.
#ifndef IMAGO_BAKE_BUILDER_VM_H_
#define IMAGO_BAKE_BUILDER_VM_H_

#include <string>

#include "compute/service.h"
#include "compute/status.h"

namespace imago::bake {

struct BuilderSpec {
  std::string project;
  std::string zone;
  std::string name;          // The instance's name, and its boot disk's.
  std::string machine_type;  // e2-small, ...
  std::string source_image;  // The pinned source image's name.
  int64_t disk_size_gb = 0;  // 0: the image's size.
  std::string description;
  compute::Labels labels;
  std::string agent_token;   // In the metadata as imago-agent-token.
  int agent_guest_port = 0;  // Forwarded to a free host port.
};

class BuilderVm {
 public:
  /// Nothing is made until Boot(). `service` must outlive this.
  BuilderVm(compute::Service& service, BuilderSpec spec)
      : service_(service), spec_(std::move(spec)) {}
  ~BuilderVm() { (void)Remove(); }
  BuilderVm(const BuilderVm&) = delete;
  BuilderVm& operator=(const BuilderVm&) = delete;

  /// Creates and starts the instance and its disk. On failure whatever was
  /// made stays for Remove() (the destructor) to delete.
  compute::Status Boot();
  /// The host port the guest agent answers on (after Boot).
  int agent_port() const { return agent_port_; }
  /// OK while the instance is RUNNING; else 503 saying it stopped, with the
  /// last 2000 bytes of its console in *console.
  compute::Status CheckRunning(std::string* console);
  /// The whole serial console so far ("" when it cannot be read).
  std::string Console();
  /// A clean power-off (ACPI).
  compute::Status Stop();
  /// "zones/ZONE/disks/NAME": what an image of the disk names as its source.
  std::string DiskPath() const { return "zones/" + spec_.zone + "/disks/" + spec_.name; }
  /// Deletes the instance and the disk; once removed, a second call does
  /// nothing. What could not be deleted (a 404 is fine) is in the message.
  compute::Status Remove();

 private:
  compute::Service& service_;
  BuilderSpec spec_;
  bool boot_tried_ = false;
  bool removed_ = false;
  int agent_port_ = 0;
};

}  // namespace imago::bake

#endif  // IMAGO_BAKE_BUILDER_VM_H_
