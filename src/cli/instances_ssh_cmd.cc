// imago instances ssh: into a VM the way `gcloud compute ssh` goes: a key of
// the user's (~/.ssh/google_compute_engine, made when missing) added to the
// instance's ssh-keys metadata as USER:KEY, whose guest makes USER and
// authorizes the key (the kit's init does what GCE's guest agent does),
// then OpenSSH's client, whose exit code becomes imago's.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "base/strings.h"
#include "base/subprocess.h"
#include "cli/commands.h"
#include "cli/resource_cmd.h"
#include "compute/resource_ref.h"

namespace imago::cli {

using compute::Result;
using compute::Status;

namespace {

constexpr int kSshPort = 22;
constexpr int kWaitSeconds = 180;

struct SshFlags {
  std::string target;  // [USER@]NAME
  std::string command;
  std::string key_file;
  std::string strict = "accept-new";
  std::vector<std::string> ssh_flags;
  std::vector<std::string> ssh_args;
  bool dry_run = false;
};

std::string HomeDir() {
  const char* h = getenv("HOME");
  return h && *h ? h : "/root";
}

// The local user's name, the default remote user, as gcloud takes it.
std::string LocalUser() {
  for (const char* v : {"USER", "LOGNAME"}) {
    const char* u = getenv(v);
    if (u && *u) return u;
  }
  return "root";
}

bool ValidUser(const std::string& u) {
  if (u.empty() || u.size() > 32 || !(islower(u[0]) || u[0] == '_')) return false;
  for (unsigned char c : u) {
    if (!islower(c) && !isdigit(c) && !strchr("_.-", c)) return false;
  }
  return true;
}

// The public key file's "TYPE BLOB", made with ssh-keygen when the key is
// missing (ed25519, no passphrase, as gcloud makes its RSA key).
Result<std::string> PublicKey(const std::string& key_file, const std::string& user, bool dry_run) {
  struct stat st {};
  if (stat(key_file.c_str(), &st) != 0) {
    if (dry_run) return std::string("ssh-ed25519 (made on the first real run)");
    const std::filesystem::path dir = std::filesystem::path(key_file).parent_path();
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
      std::filesystem::create_directories(dir, ec);
      chmod(dir.c_str(), 0700);  // ~/.ssh, as ssh wants it.
    }
    std::cerr << "Generating an SSH key for imago (and gcloud): " << key_file << "\n";
    auto r = base::RunProcess(
        {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", user, "-f", key_file});
    if (!r.ok()) {
      return Status::Unavailable("ssh-keygen cannot be run (" + r.status().message() +
                                 "): install openssh-client");
    }
    if (r->exit_code != 0) {
      return Status::Unavailable("ssh-keygen failed: " +
                                 base::FirstLine(r->err.empty() ? r->out : r->err));
    }
  }
  std::ifstream in(key_file + ".pub");
  std::string type, blob;
  if (!(in >> type >> blob) || (!type.starts_with("ssh-") && !type.starts_with("ecdsa-"))) {
    return Status::Invalid(key_file + ".pub is missing or not an SSH public key: make it with " +
                           "ssh-keygen -y -f " + key_file + " > " + key_file + ".pub");
  }
  return type + " " + blob;
}

// Where the instance's SSH server is reached: on the local cloud, the host
// port its guest port 22 is forwarded to; on GCE, its external address.
Result<std::pair<std::string, int>> Endpoint(const compute::Instance& in) {
  for (const auto& p : in.forwarded_ports) {
    if (p.guest_port == kSshPort) return std::make_pair(p.host_ip, p.host_port);
  }
  std::string nat;
  if (!in.network_interfaces.empty() && !in.network_interfaces[0].access_configs.empty()) {
    nat = in.network_interfaces[0].access_configs[0].nat_ip;
  }
  if (nat.empty()) {
    return Status::NotReady("instance " + in.name +
                            " has no external address (networkInterfaces[0].accessConfigs), "
                            "where imago instances ssh reaches it");
  }
  if (nat == "127.0.0.1") {
    return Status::NotReady("instance " + in.name +
                            " forwards no host port to its SSH port 22 (it was started by an "
                            "older imago): imago instances stop " +
                            in.name + " && imago instances start " + in.name);
  }
  return std::make_pair(nat, kSshPort);
}

// True when an SSH server's banner ("SSH-") comes from host:port within
// about a second: a local VM's forwarded port accepts even before the
// guest's sshd runs, and then closes without a word.
bool BannerSeen(const std::string& host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = inet_pton(AF_INET, host.c_str(), &a.sin_addr) == 1 &&
            connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  char buf[4] = {};
  size_t got = 0;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (ok && got < sizeof buf) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    end - std::chrono::steady_clock::now())
                                    .count());
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, left) != 1) break;
    ssize_t n = read(fd, buf + got, sizeof buf - got);
    if (n <= 0) break;
    got += n;
  }
  close(fd);
  return got == sizeof buf && memcmp(buf, "SSH-", 4) == 0;
}

// The instance's ssh-keys with `entry` in it; true in *added when it had to
// be added (set with the fingerprint; retried when someone wrote between).
Status EnsureKey(compute::Service& svc, const std::string& project, const std::string& zone,
                 const std::string& name, const std::string& user, const std::string& key,
                 bool* added) {
  *added = false;
  const std::string prefix = user + ":" + key;
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto in = svc.instances().Get(project, zone, name);
    if (!in.ok()) return in.status();
    compute::Metadata m = in->metadata;
    std::string keys = m.Get("ssh-keys").value_or("");
    std::istringstream lines(keys);
    for (std::string line; std::getline(lines, line);) {
      if (line == prefix || line.starts_with(prefix + " ")) return Status::OK();
    }
    if (!keys.empty() && keys.back() != '\n') keys += "\n";
    keys += prefix + " " + user;
    bool found = false;
    for (auto& [k, v] : m.items) {
      if (k == "ssh-keys") {
        v = keys;
        found = true;
      }
    }
    if (!found) m.items.emplace_back("ssh-keys", keys);
    auto op = svc.instances().SetMetadata(project, zone, name, m, {});
    if (!op.ok() && op.status().code() == compute::Code::kConditionNotMet) continue;
    IMAGO_RETURN_IF_ERROR(compute::OperationStatus(op));
    *added = true;
    return Status::OK();
  }
  return Status::ConditionNotMet("the instance's metadata kept changing; try again");
}

int RunSsh(Context& ctx, const SshFlags& f) {
  const char* cmd = "instances.ssh";
  std::string user = LocalUser(), name = f.target;
  if (auto at = f.target.find('@'); at != std::string::npos) {
    user = f.target.substr(0, at);
    name = f.target.substr(at + 1);
  }
  if (!ValidUser(user)) {
    return ctx.Usage(cmd, "'" + user +
                              "' is not a user name a guest can have (lower case letters, "
                              "digits, _ . -): give one as USER@" +
                              name);
  }
  if (name.empty()) return ctx.Usage(cmd, "give the instance: imago instances ssh [USER@]NAME");
  if (f.strict != "yes" && f.strict != "no" && f.strict != "ask" && f.strict != "accept-new") {
    return ctx.Usage(
        cmd, "--strict-host-key-checking takes yes, no, ask or accept-new, not '" + f.strict + "'");
  }
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  std::string zone = ctx.g.zone;
  auto in = svc->instances().Get(ctx.g.project, zone, name);
  if (!in.ok() && in.status().code() == compute::Code::kNotFound) {
    auto zones = ZonesHolding(name, [&](const compute::ListOptions& o) {
      return svc->instances().AggregatedList(ctx.g.project, o);
    });
    if (zones.size() != 1) return ctx.Fail(cmd, WithZones(in.status(), "instance", name, zones));
    zone = zones[0];
    in = svc->instances().Get(ctx.g.project, zone, name);
  }
  if (!in.ok()) return ctx.Fail(cmd, in.status());
  if (in->status != "RUNNING") {
    return ctx.Fail(cmd, Status::NotReady("instance " + name + " is " + in->status +
                                          ", not RUNNING: imago instances start " + name));
  }
  auto endpoint = Endpoint(*in);
  if (!endpoint.ok()) return ctx.Fail(cmd, endpoint.status());
  const auto [host, port] = *endpoint;
  const std::string key_file =
      f.key_file.empty() ? HomeDir() + "/.ssh/google_compute_engine" : f.key_file;
  auto pub = PublicKey(key_file, user, f.dry_run);
  if (!pub.ok()) return ctx.Fail(cmd, pub.status());

  std::vector<std::string> argv = {
      "ssh",
      "-i",
      key_file,
      "-p",
      std::to_string(port),
      "-o",
      "CheckHostIP=no",
      "-o",
      "HostKeyAlias=compute." + std::to_string(in->id),
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      "StrictHostKeyChecking=" + f.strict,
      "-o",
      "UserKnownHostsFile=" + HomeDir() + "/.ssh/google_compute_known_hosts"};
  for (const auto& fl : f.ssh_flags) argv.push_back(fl);
  const std::string dest = user + "@" + host;
  if (f.dry_run) {
    std::string line;
    for (const auto& a : argv) line += base::ShellQuote(a) + " ";
    line += base::ShellQuote(dest);
    for (const auto& a : f.ssh_args) line += " " + base::ShellQuote(a);
    if (!f.command.empty()) line += " -- " + base::ShellQuote(f.command);
    std::cout << line << "\n";
    return kExitOk;
  }

  bool added = false;
  Status st = EnsureKey(*svc, ctx.g.project, zone, name, user, *pub, &added);
  if (!st.ok()) return ctx.Fail(cmd, st);
  if (added) std::cerr << "Updated [" << in->self_link << "]: ssh-keys has " << user << "'s key.\n";

  // Ready when the server talks and (after a new key) the key is taken.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kWaitSeconds);
  bool said = false;
  auto wait_note = [&](const char* what) {
    if (said) return;
    std::cerr << what << std::flush;
    said = true;
  };
  while (!BannerSeen(host, port)) {
    if (std::chrono::steady_clock::now() > deadline) {
      return ctx.Fail(cmd, Status::Unavailable(fmt::format(
                               "no SSH server answered on {}:{} in {} s: does the image run "
                               "sshd? (the kit's Debian image does; its busybox image has none)",
                               host, port, kWaitSeconds)));
    }
    wait_note("Waiting for the SSH server");
    std::cerr << "." << std::flush;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (added) {
    std::vector<std::string> probe = argv;
    probe.insert(probe.end(), {"-o", "BatchMode=yes", "-o", "ConnectTimeout=10", dest, "true"});
    while (true) {
      auto r = base::RunProcess(probe);
      if (r.ok() && r->exit_code == 0) break;
      if (std::chrono::steady_clock::now() > deadline) {
        if (said) std::cerr << "\n";
        std::string why = r.ok() ? base::FirstLine(r->err) : r.status().message();
        return ctx.Fail(cmd, Status::Unavailable(fmt::format(
                                 "the guest did not take {}'s key in {} s ({}): does its image "
                                 "apply the ssh-keys metadata?",
                                 user, kWaitSeconds, why)));
      }
      wait_note("Waiting for the SSH key to propagate");
      std::cerr << "." << std::flush;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
  if (said) std::cerr << "\n";

  argv.push_back(dest);
  for (const auto& a : f.ssh_args) argv.push_back(a);
  if (!f.command.empty()) {
    argv.push_back("--");
    argv.push_back(f.command);
  }
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  execvp("ssh", cargv.data());
  return ctx.Fail(cmd, Status::Unavailable(std::string("ssh cannot be run (") + strerror(errno) +
                                           "): install openssh-client"));
}

}  // namespace

void AddInstancesSshCommand(CLI::App* instances, Context& ctx) {
  auto f = std::make_shared<SshFlags>();
  CLI::App* c = instances->add_subcommand(
      "ssh", "Run a shell or a command in an instance over SSH (as gcloud compute ssh)");
  c->add_option("NAME", f->target, "[USER@]NAME: the instance (USER: the local user's name)")
      ->required();
  c->add_option("SSH_ARGS", f->ssh_args,
                "After --: arguments for ssh itself (e.g. -L 8080:localhost:80)");
  c->add_option("--command", f->command,
                "Run this command instead of a shell; its exit code is imago's");
  c->add_option("--ssh-key-file", f->key_file,
                "The private key (default ~/.ssh/google_compute_engine, made when missing)");
  c->add_option("--ssh-flag", f->ssh_flags, "A flag for ssh (repeatable), e.g. --ssh-flag=-v");
  c->add_option("--strict-host-key-checking", f->strict,
                "yes, no, ask or accept-new (default: accept-new; host keys are kept in "
                "~/.ssh/google_compute_known_hosts under compute.ID)");
  c->add_flag("--dry-run", f->dry_run, "Print the ssh command, change nothing");
  c->footer(
      "Adds your key to the instance's ssh-keys metadata (USER:KEY), waits until the guest "
      "takes it, then runs ssh.\nExit code: the remote command's (255: ssh itself failed).\n\n"
      "Examples:\n  imago instances ssh db-1\n  imago instances ssh db-1 --command 'systemctl "
      "is-active postgresql'\n  imago instances ssh admin@db-1 -- -L 5432:localhost:5432");
  c->callback([&ctx, f] { ctx.exit_code = RunSsh(ctx, *f); });
}

}  // namespace imago::cli
