#include "cli/context.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "bake/baker.h"
#include "base/strings.h"
#include "cli/cloud_factory.h"
#include "cli/user_config.h"
#include "compute/json_codec.h"

namespace imago::cli {

using compute::Code;
using compute::Status;

int ExitCodeFor(const Status& st) {
  switch (st.code()) {
    case Code::kOk:
      return kExitOk;
    case Code::kInvalid:
    case Code::kRequired:
    case Code::kPayloadTooLarge:
      return kExitInvalid;
    case Code::kNotFound:
      return kExitNotFound;
    case Code::kAlreadyExists:
      return kExitExists;
    case Code::kConditionNotMet:
      return kExitConflict;
    case Code::kResourceInUse:
    case Code::kResourceNotReady:
    case Code::kInvalidUsage:
      return kExitNotReady;
    case Code::kUnavailable:
    case Code::kRateLimited:
      return kExitUnavailable;
    case Code::kUnauthorized:
    case Code::kForbidden:
      return kExitAuth;
    case Code::kInternal:
      return kExitInternal;
  }
  return kExitInternal;
}

bool IsLoopbackEndpoint(const std::string& url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t end = url.find_first_of("/", start);
  std::string host = url.substr(start, end == std::string::npos ? end : end - start);
  if (!host.empty() && host.front() == '[') {
    return host.rfind("[::1]", 0) == 0;
  }
  host = host.substr(0, host.find(':'));
  return host == "localhost" || host.rfind("127.", 0) == 0;
}

void Context::AddFlags(CLI::App& app) {
  app.add_option("--project", g.project,
                 "Project id (default: local; with --cloud gce: CLOUDSDK_CORE_PROJECT or the "
                 "active gcloud configuration's core/project)")
      ->envname("IMAGO_PROJECT");
  app.add_option("--format", g.format,
                 "Output format: table, json, yaml, or gcloud's projections: table(KEY,...), "
                 "value(KEY,...), csv[no-heading](KEY,...), get(KEY), json(KEY,...); a KEY is "
                 "name.name[0].name, with .basename(), .join(SEP), .len(), .lower(), .upper() "
                 "and :label=HEADER (docs/cli.md)")
      ->check([](const std::string& v) -> std::string {
        if (IsPlainFormat(v)) return "";
        compute::Result<Projection> p = ParseProjection(v);
        return p.ok() ? "" : p.status().message();
      })
      ->each([this](const std::string& v) {
        if (IsPlainFormat(v) || g.uri) return;
        projection_ = std::make_unique<Projection>(*ParseProjection(v));
        SetProjection(projection_.get());
      });
  app.add_flag_callback(
      "--uri",
      [this] {
        g.uri = true;
        projection_ = std::make_unique<Projection>(*ParseProjection("value(selfLink)"));
        SetProjection(projection_.get());
      },
      "Print each resource's URI (its selfLink) instead of the resource, one a line");
  app.add_option("--cloud", g.cloud,
                 "local (default: the embedded local cloud) or gce (Compute Engine's REST API "
                 "at --endpoint)")
      ->envname("IMAGO_CLOUD")
      ->check(CLI::IsMember({"local", "gce"}));
  app.add_option("--endpoint", g.endpoint,
                 "Compute API endpoint for --cloud gce (default "
                 "https://compute.googleapis.com/compute/v1/; imago serve: "
                 "http://127.0.0.1:8080/compute/v1/)")
      ->envname("IMAGO_ENDPOINT");
  app.add_option("--access-token", g.access_token,
                 "OAuth access token for --cloud gce (e.g. $(gcloud auth print-access-token))")
      ->envname("IMAGO_ACCESS_TOKEN");
  app.add_option("--zone", g.zone,
                 "Zone of instances and disks (default: local-a; with --cloud gce: "
                 "CLOUDSDK_COMPUTE_ZONE or the active gcloud configuration's compute/zone)")
      ->envname("IMAGO_ZONE");
  app.add_option("--home", g.home, "State directory of the local cloud")->envname("IMAGO_HOME");
  app.add_option("--now", g.now,
                 "Pretend the time is this RFC 3339 timestamp (for time travel in tests)")
      ->envname("IMAGO_NOW");
  app.add_flag("-q,--quiet", g.quiet, "Do not ask for confirmation");
  app.add_option("--verbosity", g.verbosity,
                 "debug, info, warning (default), error, critical or none: from error on, "
                 "warnings are not printed (errors always are)")
      ->check(CLI::IsMember({"debug", "info", "warning", "error", "critical", "none"}));
  app.add_flag("--log-http", g.log_http,
               "With --cloud gce: log every HTTP request and answer on stderr (credentials "
               "redacted)");
}

std::string Context::Home() const {
  if (!g.home.empty()) return g.home;
  const char* home = getenv("HOME");
  return std::string(home ? home : "/tmp") + "/.local/share/imago";
}

const compute::Clock& Context::Clock() {
  if (!clock_) {
    auto t = g.now.empty() ? std::nullopt : compute::ParseTimestamp(g.now);
    if (t) {
      clock_ = std::make_unique<compute::ManualClock>(*t);
    } else {
      clock_ = std::make_unique<compute::SystemClock>();
    }
  }
  return *clock_;
}

compute::Service* Context::Service(const std::string& command) {
  if (service_) return service_.get();
  // After the flags and IMAGO_PROJECT / IMAGO_ZONE: the user's own defaults.
  if (g.project.empty() || g.zone.empty()) {
    auto props = ReadUserConfig();
    if (g.project.empty()) g.project = props["core/project"];
    if (g.zone.empty()) g.zone = props["compute/zone"];
  }
  if (!g.now.empty() && !compute::ParseTimestamp(g.now)) {
    Usage(command,
          "--now '" + g.now + "' is not an RFC 3339 timestamp (e.g. 2026-12-01T00:00:00Z)");
    return nullptr;
  }
  if (g.cloud == "gce") {
    // Where gcloud works, imago works: its project and zone unless given.
    GcloudDefaults gp = ReadGcloudDefaults();
    if (g.project.empty()) g.project = gp.project;
    if (g.zone.empty()) g.zone = gp.zone;
    if (g.project.empty()) {
      Usage(command,
            "no project for --cloud gce: pass --project, set IMAGO_PROJECT, or run `gcloud "
            "config set project PROJECT`");
      return nullptr;
    }
    bool zonal = command.rfind("instances.", 0) == 0 || command.rfind("disks.", 0) == 0 ||
                 command.rfind("instance-groups.", 0) == 0;
    if (zonal && g.zone.empty()) {
      Usage(command,
            "no zone for --cloud gce: pass --zone, set IMAGO_ZONE, or run `gcloud config set "
            "compute/zone ZONE`");
      return nullptr;
    }
    auto client = OpenGceClient({g.endpoint, g.access_token, g.log_http});
    if (!client.ok()) {
      Fail(command, client.status());
      return nullptr;
    }
    service_ = std::move(client.value());
    return service_.get();
  }
  if (g.log_http) Warn("--log-http logs the HTTP of --cloud gce; the local cloud is in-process");
  if (g.project.empty()) g.project = "local";
  if (g.zone.empty()) g.zone = "local-a";
  std::string home = Home();
  if (g.home.empty()) {
    // Create ~/.local/share on first use.
    std::string parent = home.substr(0, home.rfind('/'));
    std::string cmd_parent = parent.substr(0, parent.rfind('/'));
    mkdir(cmd_parent.c_str(), 0755);
    mkdir(parent.c_str(), 0755);
  }
  LocalCloudSetup setup;
  setup.home = home;
  setup.clock = &Clock();
  std::vector<std::string> notes;
  auto cloud = OpenLocalCloud(setup, &notes);
  if (!cloud.ok()) {
    Fail(command, cloud.status());
    return nullptr;
  }
  for (const std::string& line : notes) std::cerr << "imago: " << line << "\n";
  service_ = std::move(cloud.value());
  // Bakes that were killed leave a builder VM and disk: remove them now.
  for (const std::string& line : bake::RecoverBakes(*service_, home)) {
    std::cerr << "imago: " << line << "\n";
  }
  return service_.get();
}

Format Context::OutputFormat(Format dflt) const {
  // A projection (or --uri) is applied to the JSON the command prints.
  if (projection_) return Format::kJson;
  if (g.format == "json") return Format::kJson;
  if (g.format == "yaml") return Format::kYaml;
  if (g.format == "table") return Format::kTable;
  return dflt;
}

int Context::Fail(const std::string& command, const Status& st) {
  std::cerr << "ERROR: (imago." << command << ") " << st.message() << "\n";
  if (g.format == "json")
    std::cout << compute::ErrorJson(st).dump(2, ' ', false, compute::Json::error_handler_t::replace)
              << "\n";
  exit_code = ExitCodeFor(st);
  return exit_code;
}

int Context::Usage(const std::string& command, const std::string& message) {
  std::cerr << "ERROR: (imago." << command << ") " << message << "\n";
  if (g.format == "json") {
    std::cout << compute::ErrorJson(Status::Invalid(message))
                     .dump(2, ' ', false, compute::Json::error_handler_t::replace)
              << "\n";
  }
  exit_code = kExitUsage;
  return exit_code;
}

void Context::Warn(const std::string& message) const {
  if (g.verbosity == "error" || g.verbosity == "critical" || g.verbosity == "none") return;
  std::cerr << "WARNING: " << message << "\n";
}

void Context::WarnAbout(const compute::Operation& op) const {
  for (const auto& w : op.warnings) Warn(w.message);
}

int Context::Check(const std::string& command, const compute::Result<compute::Operation>& op) {
  if (!op.ok()) return Fail(command, op.status());
  if (op->failed()) {
    return Fail(command, Status(compute::StatusFromErrorJson(op->http_error_status_code, {}).code(),
                                op->errors.front().message));
  }
  WarnAbout(*op);
  return kExitOk;
}

bool Context::Confirm(const std::string& question) const {
  if (g.quiet || !isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) return true;
  std::cerr << question << "\n\nDo you want to continue (Y/n)?  ";
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer.empty() || answer == "y" || answer == "Y" || answer == "yes";
}

std::vector<std::string> SplitFlagList(const std::string& text) {
  std::string delim = ",", rest = text;
  if (text.size() > 2 && text[0] == '^') {
    size_t close = text.find('^', 1);
    if (close != std::string::npos && close > 1) {
      delim = text.substr(1, close - 1);
      rest = text.substr(close + 1);
    }
  }
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= rest.size()) {
    size_t at = rest.find(delim, start);
    std::string item = rest.substr(start, at == std::string::npos ? at : at - start);
    if (!item.empty()) out.push_back(item);
    if (at == std::string::npos) break;
    start = at + delim.size();
  }
  return out;
}

compute::Result<compute::Labels> ParseKeyValues(const std::string& flag, const std::string& text) {
  compute::Labels out;
  for (const std::string& pair : SplitFlagList(text)) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidField(flag, text,
                                  "Expected KEY=VALUE pairs separated by commas (or by DELIM, "
                                  "with gcloud's ^DELIM^ prefix).");
    }
    out[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return out;
}

compute::Result<int64_t> ParseSizeGb(const std::string& flag, const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  std::string unit = text.substr(digits);
  for (char& c : unit) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  if (unit.ends_with("B") && unit.size() == 2) unit.pop_back();  // GB -> G.
  uint64_t n = 0;
  const std::string kWhy = "A size is a whole number of GB: 10, 10GB, 1TB or 2048MB.";
  if (digits == 0 || digits > 12 || !base::ParseUint64(text.substr(0, digits), &n) || n == 0) {
    return Status::InvalidField(flag, text, kWhy);
  }
  if (unit.empty() || unit == "G") return static_cast<int64_t>(n);
  if (unit == "T") return static_cast<int64_t>(n * 1024);
  if (unit == "M" && n % 1024 == 0) return static_cast<int64_t>(n / 1024);
  if (unit == "K" && n % (1024 * 1024) == 0) return static_cast<int64_t>(n / (1024 * 1024));
  return Status::InvalidField(flag, text, kWhy);
}

}  // namespace imago::cli
