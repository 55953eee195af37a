#include "lifecycle/release_ledger.h"

#include <fmt/format.h>

#include "compute/json_read.h"

namespace imago::lifecycle {

using compute::Result;
using compute::Status;
using Json = nlohmann::json;

namespace {

template <typename T>
void Put(Json& j, const char* key, const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (!v.empty()) j[key] = v;
  } else {
    if (v != T{}) j[key] = v;
  }
}

}  // namespace

Json ToJson(const Release& r) {
  Json j = Json::object();
  j["number"] = r.number;
  Put(j, "service", r.service);
  Put(j, "environment", r.env);
  Put(j, "zone", r.zone);
  Put(j, "kind", r.kind);
  Put(j, "state", r.state);
  Put(j, "started", r.started);
  Put(j, "finished", r.finished);
  Put(j, "who", r.who);
  Put(j, "image", r.image);
  Put(j, "imageId", r.image_id);
  Put(j, "imageDigest", r.image_digest);
  Put(j, "why", r.why);
  Put(j, "instanceTemplate", r.instance_template);
  Put(j, "group", r.group);
  Put(j, "instance", r.instance);
  Put(j, "strategy", r.strategy);
  Put(j, "model", r.model);
  Put(j, "configHash", r.config_hash);
  Put(j, "configKey", r.config_key);
  Put(j, "size", r.size);
  Put(j, "result", r.result);
  Put(j, "seconds", r.seconds);
  Put(j, "disabledAt", r.disabled_at);
  Put(j, "expiresAt", r.expires_at);
  Put(j, "envExpiresAt", r.env_expires_at);
  Put(j, "owner", r.owner);
  if (r.cleaned) j["cleaned"] = true;
  return j;
}

Result<Release> ReleaseFromJson(const Json& j) {
  if (!j.is_object()) return Status::Internal("a release of the ledger is not a JSON object");
  Release r;
  try {
    r.number = j.value("number", 0);
    auto s = [&](const char* k) { return j.value(k, std::string()); };
    r.service = s("service");
    r.env = s("environment");
    r.zone = s("zone");
    r.kind = s("kind");
    r.state = s("state");
    r.started = s("started");
    r.finished = s("finished");
    r.who = s("who");
    r.image = s("image");
    r.image_id = s("imageId");
    r.image_digest = s("imageDigest");
    r.why = s("why");
    r.instance_template = s("instanceTemplate");
    r.group = s("group");
    r.instance = s("instance");
    r.strategy = s("strategy");
    r.model = s("model");
    r.config_hash = s("configHash");
    r.config_key = s("configKey");
    r.size = j.value("size", 0);
    r.result = s("result");
    r.seconds = j.value("seconds", 0.0);
    r.disabled_at = s("disabledAt");
    r.expires_at = s("expiresAt");
    r.env_expires_at = s("envExpiresAt");
    r.owner = s("owner");
    r.cleaned = j.value("cleaned", false);
  } catch (const Json::exception& e) {
    return Status::Internal(std::string("a release of the ledger has a field of the wrong type: ") +
                            e.what());
  }
  if (r.number <= 0) return Status::Internal("a release of the ledger has no number");
  return r;
}

std::string LedgerKey(const std::string& service, const std::string& env) {
  return std::string(kLedgerPrefix) + service + "-" + env;
}

namespace {

Result<std::vector<Release>> Parse(const std::string& key, const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_array()) {
    return Status::Internal(fmt::format(
        "The project metadata key '{}' is not a release ledger (a JSON array); fix or remove it "
        "(imago project-info remove-metadata --keys {}).",
        key, key));
  }
  std::vector<Release> out;
  for (const auto& e : j) {
    auto r = ReleaseFromJson(e);
    if (!r.ok())
      return Status::Internal("The ledger '" + key + "' is damaged: " + r.status().message());
    out.push_back(std::move(r.value()));
  }
  return out;
}

}  // namespace

ReleaseLedger::ReleaseLedger(compute::Projects& projects, std::string project, std::string service,
                             std::string env)
    : projects_(projects), project_(std::move(project)), key_(LedgerKey(service, env)) {}

Result<std::vector<Release>> ReleaseLedger::Read() {
  auto p = projects_.Get(project_);
  if (!p.ok()) return p.status();
  auto v = p->common_instance_metadata.Get(key_);
  if (!v) return std::vector<Release>{};
  return Parse(key_, *v);
}

Status ReleaseLedger::Update(const Change& change, std::vector<Release>* out) {
  for (int attempt = 0;; ++attempt) {
    auto p = projects_.Get(project_);
    if (!p.ok()) return p.status();
    compute::Metadata m = p->common_instance_metadata;
    std::vector<Release> releases;
    std::vector<std::pair<std::string, std::string>> extra;
    for (auto& [k, v] : m.items) {
      if (k == key_) {
        auto parsed = Parse(key_, v);
        if (!parsed.ok()) return parsed.status();
        releases = std::move(parsed.value());
      } else {
        extra.emplace_back(k, v);
      }
    }
    IMAGO_RETURN_IF_ERROR(change(&releases, &extra));
    while (releases.size() > static_cast<size_t>(kMaxReleases)) releases.erase(releases.begin());
    Json arr = Json::array();
    for (const auto& r : releases) arr.push_back(ToJson(r));
    m.items = std::move(extra);
    if (!releases.empty()) m.items.emplace_back(key_, arr.dump());
    auto op = projects_.SetCommonInstanceMetadata(project_, m, {});
    Status st = compute::OperationStatus(op);
    if (st.ok()) {
      if (out) *out = std::move(releases);
      return st;
    }
    if (st.code() != compute::Code::kConditionNotMet || attempt >= 9) return st;
  }
}

std::vector<std::pair<std::string, std::vector<Release>>> AllLedgers(
    const std::vector<std::pair<std::string, std::string>>& items) {
  std::vector<std::pair<std::string, std::vector<Release>>> out;
  for (const auto& [k, v] : items) {
    if (!k.starts_with(kLedgerPrefix)) continue;
    auto r = Parse(k, v);
    if (r.ok()) out.emplace_back(k, std::move(r.value()));
  }
  return out;
}

}  // namespace imago::lifecycle
