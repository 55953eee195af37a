#include "testenv/fake_vault.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace imago::testenv {

using Json = nlohmann::json;

namespace {

void Answer(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

Json Envelope(const Json& data) {
  return {{"request_id", "fake-vault"}, {"lease_id", ""}, {"renewable", false},
          {"lease_duration", 0},        {"data", data},   {"wrap_info", nullptr},
          {"warnings", nullptr},        {"auth", nullptr}};
}

Json Metadata(int version) {
  return {{"created_time", "2026-01-01T00:00:00Z"},
          {"custom_metadata", nullptr},
          {"deletion_time", ""},
          {"destroyed", false},
          {"version", version}};
}

// "/v1/secret/data/app/db" -> "secret/app/db"; "" when not a KV v2 data path.
std::string KeyOf(const std::string& url_path) {
  if (!url_path.starts_with("/v1/")) return "";
  std::string rest = url_path.substr(4);
  size_t data = rest.find("/data/");
  if (data == std::string::npos || data == 0) return "";
  return rest.substr(0, data) + "/" + rest.substr(data + 6);
}

}  // namespace

FakeVault::FakeVault(std::string token, int port)
    : token_(std::move(token)), http_(std::make_unique<httplib::Server>()) {
  httplib::Server& s = *http_;
  auto authorised = [this](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("X-Vault-Token") == token_) return true;
    Answer(res, 403, {{"errors", {"permission denied"}}});
    return false;
  };
  s.Get(R"(/v1/.*)", [this, authorised](const httplib::Request& req, httplib::Response& res) {
    ++reads_;
    if (!authorised(req, res)) return;
    std::string key = KeyOf(req.path);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = kv_.find(key);
    if (key.empty() || it == kv_.end()) return Answer(res, 404, {{"errors", Json::array()}});
    int n = static_cast<int>(it->second.size());
    int version = n;
    if (req.has_param("version")) version = std::atoi(req.get_param_value("version").c_str());
    if (version == 0) version = n;
    if (version < 1 || version > n) return Answer(res, 404, {{"errors", Json::array()}});
    Json fields = Json::object();
    for (const auto& [k, v] : it->second[version - 1]) fields[k] = v;
    Answer(res, 200, Envelope({{"data", fields}, {"metadata", Metadata(version)}}));
  });
  s.Post(R"(/v1/.*)", [this, authorised](const httplib::Request& req, httplib::Response& res) {
    if (!authorised(req, res)) return;
    std::string key = KeyOf(req.path);
    Json body = Json::parse(req.body, nullptr, false);
    if (key.empty() || !body.is_object() || !body.contains("data") || !body["data"].is_object()) {
      return Answer(res, 400, {{"errors", {"no data provided"}}});
    }
    std::map<std::string, std::string> fields;
    for (auto it = body["data"].begin(); it != body["data"].end(); ++it) {
      fields[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto& versions = kv_[key];
    versions.push_back(std::move(fields));
    Answer(res, 200, Envelope(Metadata(static_cast<int>(versions.size()))));
  });
  port_ =
      port == 0 ? s.bind_to_any_port("127.0.0.1") : (s.bind_to_port("127.0.0.1", port) ? port : -1);
  if (port_ <= 0) return;
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  // Until it accepts: a Stop() before the loop starts would be lost.
  while (!http_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeVault::~FakeVault() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeVault::addr() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

int FakeVault::Write(const std::string& mount_and_path,
                     const std::map<std::string, std::string>& data) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& versions = kv_[mount_and_path];
  versions.push_back(data);
  return static_cast<int>(versions.size());
}

void FakeVault::Wait() {
  if (thread_.joinable()) thread_.join();
}

void FakeVault::Stop() {
  http_->stop();
}

}  // namespace imago::testenv
