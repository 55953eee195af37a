// imago serve: the local cloud behind the Compute Engine v1 REST API.
#include <signal.h>

#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/cloud_factory.h"
#include "cli/commands.h"
#include "cli/controller_run.h"
#include "server/http_server.h"
#include "server/rest_api.h"

namespace imago::cli {

namespace {

server::HttpServer* g_server = nullptr;

void OnSignal(int) {
  if (g_server) g_server->Stop();
}

}  // namespace

void AddServeCommand(CLI::App& root, Context& ctx) {
  struct Flags {
    std::string listen = "127.0.0.1:8080";
    bool print_token = false;
    bool no_auth = false;
    int threads = 64;
    std::vector<std::string> import_roots;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c = root.add_subcommand(
      "serve",
      "Serve the local cloud as the Compute Engine v1 REST API (for gcloud, Terraform, "
      "Google's client libraries)");
  c->add_option("--listen", f->listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
  c->add_flag("--print-token", f->print_token,
              "Print the bearer token clients must send, and exit");
  c->add_flag("--insecure-no-auth", f->no_auth, "Accept requests without the token (demos only)");
  c->add_option("--threads", f->threads,
                "Worker threads: at most this many connections at once (default 64)");
  c->add_option("--import-root", f->import_roots,
                "A directory whose files clients may name in rawDisk.source (repeatable; none "
                "by default: clients import from buckets, $IMAGO_HOME/buckets/BUCKET)");
  c->footer(
      "Example:\n"
      "  imago serve --listen 127.0.0.1:8080 --import-root ~/disks &\n"
      "  curl -H \"Authorization: Bearer $(imago serve --print-token)\" \\\n"
      "      http://127.0.0.1:8080/compute/v1/projects/local/global/images\n"
      "See docs/serve.md for gcloud, Terraform and the client libraries.");
  c->callback([&ctx, f] {
    const char* cmd = "serve";
    size_t colon = f->listen.rfind(':');
    server::ServeOptions opts;
    opts.host = colon == std::string::npos ? f->listen : f->listen.substr(0, colon);
    std::string port = colon == std::string::npos ? "" : f->listen.substr(colon + 1);
    char* end = nullptr;
    long p = strtol(port.c_str(), &end, 10);
    if (opts.host.empty() || port.empty() || *end || p < 0 || p > 65535) {
      ctx.Usage(cmd, "--listen '" + f->listen + "' is not HOST:PORT (e.g. 127.0.0.1:8080)");
      return;
    }
    opts.port = static_cast<int>(p);
    // Plain HTTP: beyond this machine the token and every disk's bytes
    // would cross the network in clear (docs/security.md).
    bool loopback = server::IsLoopbackHost(opts.host);
    if (f->no_auth && !loopback) {
      ctx.Usage(cmd, "--insecure-no-auth is for loopback only: on " + f->listen +
                         " anyone on the network could run VMs and read every disk; listen on "
                         "127.0.0.1");
      return;
    }
    opts.no_auth = f->no_auth;
    opts.threads = std::max(1, f->threads);
    // Bind first: the port goes into every selfLink the local cloud writes.
    server::HttpServer http(opts);
    if (!f->print_token) {
      compute::Status st = http.Bind();
      if (!st.ok()) {
        ctx.Fail(cmd, st);
        return;
      }
    }
    LocalCloudSetup setup;
    setup.home = ctx.Home();
    setup.clock = &ctx.Clock();
    // A client names files only below the roots given here (docs/security.md).
    setup.host_files = false;
    for (const std::string& root : f->import_roots) {
      std::error_code ec;
      if (!std::filesystem::is_directory(root, ec)) {
        ctx.Usage(cmd, "--import-root " + root + " is not a directory");
        return;
      }
      setup.import_roots.push_back(std::filesystem::absolute(root, ec).string());
    }
    // Stored links keep GCE's prefix; RestApi points them at this server.
    std::string base = "http://" + opts.host + ":" + std::to_string(http.port()) + "/compute/v1/";
    std::vector<std::string> notes;
    auto cloud = OpenLocalCloud(setup, &notes);
    if (!cloud.ok()) {
      ctx.Fail(cmd, cloud.status());
      return;
    }
    for (const std::string& line : notes) std::cerr << "imago serve: " << line << "\n";
    auto token = server::LoadOrCreateToken(setup.home);
    if (!token.ok()) {
      ctx.Fail(cmd, token.status());
      return;
    }
    if (f->print_token) {
      std::cout << *token << "\n";
      return;
    }
    http.set_token(*token);
    server::RestApi api(**cloud, base);
    if (f->no_auth) {
      ctx.Warn("--insecure-no-auth: anyone who can reach " + f->listen +
               " can change this cloud. Use it for demos only.");
    }
    if (!loopback) {
      ctx.Warn("listening on " + f->listen +
               " without TLS: the token and all traffic cross the network in clear. Prefer "
               "127.0.0.1 with an SSH tunnel or a TLS proxy in front.");
    }
    std::cerr << "imago serve: the Compute Engine v1 API of " << setup.home << " at " << base
              << (f->no_auth ? "" : " (clients send the token of `imago serve --print-token`)")
              << "\n";
    // The groups of this home run here while it serves, unless another
    // controller holds the home's lock.
    ControllerThread controller(ctx, **cloud);
    g_server = &http;
    signal(SIGINT, OnSignal);
    signal(SIGTERM, OnSignal);
    signal(SIGPIPE, SIG_IGN);
    http.Run(api);
    g_server = nullptr;
    std::cerr << "imago serve: stopped\n";
  });
}

}  // namespace imago::cli
