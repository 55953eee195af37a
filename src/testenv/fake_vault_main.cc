// imago-fake-vault: FakeVault (fake_vault.h) as a process, for the shell
// tests. A FAKE of Vault's KV v2 HTTP API, never a Vault.
//   imago-fake-vault TOKEN PORTFILE
// Listens on 127.0.0.1 on a free port, writes the port to PORTFILE, and
// serves until SIGTERM or SIGINT. Secrets are written with Vault's own
// POST /v1/MOUNT/data/PATH {"data": {...}}.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include "testenv/fake_vault.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) {
  g_stop = 1;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: imago-fake-vault TOKEN PORTFILE\n");
    return 2;
  }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  imago::testenv::FakeVault vault(argv[1]);
  if (vault.port() <= 0) {
    std::fprintf(stderr, "imago-fake-vault: cannot listen on 127.0.0.1\n");
    return 1;
  }
  {
    std::ofstream f(std::string(argv[2]) + ".tmp");
    f << vault.port() << "\n";
  }
  std::rename((std::string(argv[2]) + ".tmp").c_str(), argv[2]);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  vault.Stop();
  return 0;
}
