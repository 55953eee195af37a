#include "cli/commands.h"

int main(int argc, char** argv) {
  return imago::cli::Main(argc, argv);
}
