#include "gce/credentials.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "base/base64.h"

namespace imago::gce {

using compute::Result;
using compute::Status;
using nlohmann::json;

namespace {

Status Unauthorized(const std::string& m) {
  return Status(compute::Code::kUnauthorized, m);
}

std::string Base64Url(const std::string& s) {
  return base::Base64UrlEncode(s);
}

Result<json> ReadJsonFile(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) {
    return Unauthorized(what + " " + path + " cannot be read: " + strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  if (!j.is_object()) return Unauthorized(what + " " + path + " is not a JSON object");
  return j;
}

// The default token endpoint of Google; key files name their own.
constexpr const char* kGoogleTokenUri = "https://oauth2.googleapis.com/token";
constexpr const char* kComputeScope = "https://www.googleapis.com/auth/compute";

}  // namespace

// ---------------------------------------------------------------- fixed token

Result<std::string> AccessTokenCredentials::Token(bool refresh) {
  if (refresh || token_.empty()) {
    return Unauthorized(Describe() +
                        " was refused or is empty, and a fixed token cannot be refreshed: get a "
                        "new one (gcloud auth print-access-token)");
  }
  return token_;
}

// ---------------------------------------------------------------- refreshing

Result<std::string> RefreshingCredentials::Token(bool refresh) {
  std::lock_guard lock(mu_);
  if (!refresh && !token_.empty() && std::chrono::steady_clock::now() < renew_at_) return token_;
  auto fetched = Fetch();
  if (!fetched.ok()) return fetched.status();
  token_ = fetched->token;
  // Renew a minute early (at once for tokens that live less than that).
  renew_at_ = std::chrono::steady_clock::now() + fetched->expires_in - std::chrono::seconds(60);
  return token_;
}

Status RefreshingCredentials::Refused(const std::string& why) const {
  return Unauthorized(Describe() + ": " + why);
}

Result<FetchedToken> RefreshingCredentials::PostForm(const std::string& url,
                                                     const std::string& form) {
  HttpCall call;
  call.method = "POST";
  call.url = url;
  call.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  call.body = form;
  auto reply = transport_->Send(call);
  if (!reply.ok())
    return Refused("the token endpoint did not answer (" + reply.status().message() + ")");
  json j = json::parse(reply->body, nullptr, false);
  if (reply->status != 200) {
    std::string why = j.is_object() ? j.value("error_description", j.value("error", "")) : "";
    return Refused("the token endpoint refused it: HTTP " + std::to_string(reply->status) +
                   (why.empty() ? "" : " " + why));
  }
  if (!j.is_object() || !j.contains("access_token") || !j["access_token"].is_string()) {
    return Refused("the token endpoint's answer has no access_token");
  }
  FetchedToken t;
  t.token = j["access_token"];
  if (j.contains("expires_in") && j["expires_in"].is_number_integer()) {
    t.expires_in = std::chrono::seconds(j["expires_in"].get<int64_t>());
  }
  return t;
}

// ---------------------------------------------------------------- service account

Result<std::unique_ptr<ServiceAccountCredentials>> ServiceAccountCredentials::FromJson(
    const json& key, const std::string& path, std::shared_ptr<HttpTransport> t) {
  std::unique_ptr<ServiceAccountCredentials> c(new ServiceAccountCredentials(std::move(t)));
  c->path_ = path;
  for (auto [field, out] :
       {std::pair{"client_email", &c->email_}, std::pair{"private_key", &c->pem_}}) {
    if (!key.contains(field) || !key[field].is_string() || key[field].get<std::string>().empty()) {
      return Unauthorized("the service account key " + path + " has no " + field);
    }
    *out = key[field];
  }
  c->key_id_ = key.value("private_key_id", "");
  c->token_uri_ = key.value("token_uri", kGoogleTokenUri);
  // Check the PEM now: a bad key is a clear error before any call.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(c->pem_.data(), static_cast<int>(c->pem_.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr,
      &EVP_PKEY_free);
  if (!pkey) {
    return Unauthorized("the private_key of the service account key " + path +
                        " is not a PEM private key");
  }
  if (EVP_PKEY_base_id(pkey.get()) != EVP_PKEY_RSA)
    return Unauthorized("the private_key of " + path + " is not an RSA key (RS256 needs one)");
  return c;
}

std::string ServiceAccountCredentials::Describe() const {
  return "service account " + email_ + " (key " + path_ + ")";
}

Result<std::string> ServiceAccountCredentials::MakeJwt(
    std::chrono::system_clock::time_point now) const {
  int64_t iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!key_id_.empty()) header["kid"] = key_id_;
  json claims = {{"iss", email_},
                 {"scope", kComputeScope},
                 {"aud", token_uri_},
                 {"iat", iat},
                 {"exp", iat + 3600}};
  std::string signing_input = Base64Url(header.dump()) + "." + Base64Url(claims.dump());
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem_.data(), static_cast<int>(pem_.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr,
      &EVP_PKEY_free);
  if (!pkey) return Refused("its private_key is not a PEM private key");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  size_t len = 0;
  std::string sig;
  const auto* in = reinterpret_cast<const unsigned char*>(signing_input.data());
  bool ok = ctx && EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) == 1 &&
            EVP_DigestSign(ctx.get(), nullptr, &len, in, signing_input.size()) == 1;
  if (ok) {
    sig.resize(len);
    ok = EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                        signing_input.size()) == 1;
    sig.resize(len);
  }
  if (!ok) return Refused("signing the JWT failed");
  return signing_input + "." + Base64Url(sig);
}

Result<FetchedToken> ServiceAccountCredentials::Fetch() {
  auto jwt = MakeJwt(std::chrono::system_clock::now());
  if (!jwt.ok()) return jwt.status();
  return PostForm(token_uri_,
                  "grant_type=" + UrlEncode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
                      "&assertion=" + UrlEncode(*jwt));
}

// ---------------------------------------------------------------- authorized user

Result<std::unique_ptr<AuthorizedUserCredentials>> AuthorizedUserCredentials::FromJson(
    const json& j, const std::string& path, std::shared_ptr<HttpTransport> t) {
  std::unique_ptr<AuthorizedUserCredentials> c(new AuthorizedUserCredentials(std::move(t)));
  c->path_ = path;
  for (auto [field, out] :
       {std::pair{"client_id", &c->client_id_}, std::pair{"client_secret", &c->client_secret_},
        std::pair{"refresh_token", &c->refresh_token_}}) {
    if (!j.contains(field) || !j[field].is_string()) {
      return Unauthorized("the authorized_user credentials " + path + " have no " + field);
    }
    *out = j[field];
  }
  c->token_uri_ = j.value("token_uri", kGoogleTokenUri);
  return c;
}

Result<FetchedToken> AuthorizedUserCredentials::Fetch() {
  return PostForm(token_uri_, "grant_type=refresh_token&client_id=" + UrlEncode(client_id_) +
                                  "&client_secret=" + UrlEncode(client_secret_) +
                                  "&refresh_token=" + UrlEncode(refresh_token_));
}

// ---------------------------------------------------------------- metadata server

Result<FetchedToken> MetadataServerCredentials::Fetch() {
  HttpCall call;
  call.method = "GET";
  call.url = "http://" + host_ + "/computeMetadata/v1/instance/service-accounts/default/token";
  call.headers = {{"Metadata-Flavor", "Google"}};
  auto reply = transport_->Send(call);
  if (!reply.ok()) return Refused("no answer (" + reply.status().message() + ")");
  json j = json::parse(reply->body, nullptr, false);
  if (reply->status != 200 || !j.is_object() || !j.contains("access_token")) {
    return Refused("HTTP " + std::to_string(reply->status) + " without a token");
  }
  FetchedToken t;
  t.token = j.value("access_token", "");
  t.expires_in = std::chrono::seconds(j.value("expires_in", 3600));
  return t;
}

// ---------------------------------------------------------------- lookup

CredentialSources SourcesFromEnvironment(const std::string& access_token_flag) {
  CredentialSources s;
  const char* env_token = getenv("IMAGO_ACCESS_TOKEN");
  s.access_token = access_token_flag;
  s.access_token_source =
      env_token && access_token_flag == env_token ? "IMAGO_ACCESS_TOKEN" : "--access-token";
  if (const char* gac = getenv("GOOGLE_APPLICATION_CREDENTIALS")) s.application_credentials = gac;
  const char* cfg = getenv("CLOUDSDK_CONFIG");
  const char* home = getenv("HOME");
  if (cfg) {
    s.gcloud_adc_file = std::string(cfg) + "/application_default_credentials.json";
  } else if (home) {
    s.gcloud_adc_file = std::string(home) + "/.config/gcloud/application_default_credentials.json";
  }
  if (const char* host = getenv("GCE_METADATA_HOST")) {
    s.metadata_host = host;
  } else {
    std::ifstream dmi("/sys/class/dmi/id/product_name");
    std::string product;
    std::getline(dmi, product);
    if (product.find("Google") != std::string::npos) s.metadata_host = "metadata.google.internal";
  }
  return s;
}

namespace {

Result<std::shared_ptr<Credentials>> FromFile(const std::string& path, const std::string& what,
                                              std::shared_ptr<HttpTransport> t) {
  auto j = ReadJsonFile(path, what);
  if (!j.ok()) return j.status();
  std::string type = j->value("type", "");
  if (type == "service_account") {
    auto c = ServiceAccountCredentials::FromJson(*j, path, t);
    if (!c.ok()) return c.status();
    return std::shared_ptr<Credentials>(std::move(c.value()));
  }
  if (type == "authorized_user") {
    auto c = AuthorizedUserCredentials::FromJson(*j, path, t);
    if (!c.ok()) return c.status();
    return std::shared_ptr<Credentials>(std::move(c.value()));
  }
  return Unauthorized(what + " " + path + " has type '" + type +
                      "'; imago reads service_account and authorized_user files");
}

}  // namespace

Result<std::shared_ptr<Credentials>> FindCredentials(const CredentialSources& s,
                                                     std::shared_ptr<HttpTransport> transport) {
  if (!s.access_token.empty()) {
    return std::shared_ptr<Credentials>(
        std::make_shared<AccessTokenCredentials>(s.access_token, s.access_token_source));
  }
  if (!s.application_credentials.empty()) {
    return FromFile(s.application_credentials, "GOOGLE_APPLICATION_CREDENTIALS", transport);
  }
  if (!s.gcloud_adc_file.empty() && access(s.gcloud_adc_file.c_str(), F_OK) == 0) {
    return FromFile(s.gcloud_adc_file, "gcloud's application-default credentials", transport);
  }
  if (!s.metadata_host.empty()) {
    return std::shared_ptr<Credentials>(
        std::make_shared<MetadataServerCredentials>(s.metadata_host, transport));
  }
  return Unauthorized(
      "no credentials for --cloud gce: give --access-token (or IMAGO_ACCESS_TOKEN; gcloud auth "
      "print-access-token, or imago serve --print-token), set GOOGLE_APPLICATION_CREDENTIALS to a "
      "key file, or run gcloud auth application-default login");
}

}  // namespace imago::gce
