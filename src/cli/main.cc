#include <sys/stat.h>

#include "cli/commands.h"

int main(int argc, char** argv) {
  // What imago makes is its user's alone: the catalog, disks, tokens, the
  // VMs' consoles and sockets, and what QEMU and qemu-img write for it
  // (docs/security.md).
  umask(077);
  return imago::cli::Main(argc, argv);
}
