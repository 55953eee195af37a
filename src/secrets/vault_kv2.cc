#include "secrets/vault_kv2.h"

#include <curl/curl.h>

#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace imago::secrets {

using base::Result;
using base::Status;
using Json = nlohmann::json;

namespace {

size_t Collect(char* data, size_t size, size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() > (1u << 20)) return 0;  // A secret is not a megabyte; stop reading.
  body->append(data, size * n);
  return size * n;
}

std::string Escape(CURL* c, const std::string& s) {
  std::string out;
  size_t start = 0;
  // Each segment on its own, so that the slashes of a nested path stay.
  while (start <= s.size()) {
    size_t slash = s.find('/', start);
    if (slash == std::string::npos) slash = s.size();
    std::string seg = s.substr(start, slash - start);
    char* e = curl_easy_escape(c, seg.c_str(), static_cast<int>(seg.size()));
    out += e ? e : "";
    curl_free(e);
    if (slash < s.size()) out += '/';
    start = slash + 1;
  }
  return out;
}

}  // namespace

VaultKv2::VaultKv2(std::string addr, std::string token, std::string ns)
    : addr_(std::move(addr)), token_(std::move(token)), ns_(std::move(ns)) {
  while (addr_.ends_with("/")) addr_.pop_back();
}

Result<VaultSecret> VaultKv2::Read(const std::string& mount, const std::string& path, int version) {
  const std::string where = fmt::format("{}/data/{}{}", mount, path,
                                        version ? fmt::format(" (version {})", version) : "");
  std::unique_ptr<CURL, void (*)(CURL*)> c(curl_easy_init(), curl_easy_cleanup);
  if (!c) return Status::Internal("cannot start an HTTP client for Vault");
  std::string url =
      fmt::format("{}/v1/{}/data/{}", addr_, Escape(c.get(), mount), Escape(c.get(), path));
  if (version > 0) url += fmt::format("?version={}", version);
  std::string body;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("X-Vault-Token: " + token_).c_str());
  if (!ns_.empty()) headers = curl_slist_append(headers, ("X-Vault-Namespace: " + ns_).c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> hold(headers, curl_slist_free_all);
  curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c.get(), CURLOPT_TIMEOUT, 15L);
  curl_easy_setopt(c.get(), CURLOPT_CONNECTTIMEOUT, 5L);
  curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  CURLcode rc = curl_easy_perform(c.get());
  if (rc != CURLE_OK) {
    return Status::Unavailable(fmt::format("Vault at {} did not answer ({}); check VAULT_ADDR",
                                           addr_, curl_easy_strerror(rc)));
  }
  long code = 0;
  curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &code);
  if (code == 403 || code == 401) {
    return Status(base::Code::kForbidden,
                  fmt::format("Vault refused to read {} ({}): check VAULT_TOKEN and its policy",
                              where, code));
  }
  if (code == 404) return Status::NotFound(fmt::format("Vault has no secret {}", where));
  if (code != 200) {
    return Status::Unavailable(fmt::format("Vault answered {} reading {}", code, where));
  }
  Json j = Json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("data") || !j["data"].is_object() ||
      !j["data"].contains("data")) {
    return Status::Internal(fmt::format(
        "Vault's answer for {} is not KV version 2's (is {} a KV v2 mount?)", where, mount));
  }
  const Json& d = j["data"]["data"];
  if (d.is_null()) {
    // KV v2 answers a deleted version with data: null and 404; some proxies 200.
    return Status::NotFound(fmt::format("the secret {} was deleted", where));
  }
  if (!d.is_object()) {
    return Status::Internal(fmt::format("Vault's answer for {} has no fields", where));
  }
  VaultSecret s;
  for (auto it = d.begin(); it != d.end(); ++it) {
    s.data[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
  }
  const Json& m = j["data"].value("metadata", Json::object());
  if (m.is_object() && m.contains("version") && m["version"].is_number_integer()) {
    s.version = m["version"].get<int>();
  }
  return s;
}

}  // namespace imago::secrets
