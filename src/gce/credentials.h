// Credentials: where GceClient's bearer token comes from. Each kind says
// what it is in Describe() (never the secret), so that an error can name
// the credential that was tried.
#ifndef IMAGO_GCE_CREDENTIALS_H_
#define IMAGO_GCE_CREDENTIALS_H_

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "compute/status.h"
#include "gce/http_transport.h"

namespace imago::gce {

class Credentials {
 public:
  virtual ~Credentials() = default;
  /// A token to send as "Authorization: Bearer TOKEN". `refresh` asks for a
  /// new one (the server refused the last). 401 naming the credential when
  /// none can be had.
  virtual compute::Result<std::string> Token(bool refresh) = 0;
  /// "the access token of --access-token", "service account a@b (key.json)", ...
  virtual std::string Describe() const = 0;
};

/// A fixed access token (--access-token, IMAGO_ACCESS_TOKEN, or
/// `gcloud auth print-access-token`). It cannot be refreshed.
class AccessTokenCredentials final : public Credentials {
 public:
  AccessTokenCredentials(std::string token, std::string source)
      : token_(std::move(token)), source_(std::move(source)) {}
  compute::Result<std::string> Token(bool refresh) override;
  std::string Describe() const override { return "the access token of " + source_; }

 private:
  std::string token_;
  std::string source_;
};

/// A token and how long it lives, as a token endpoint answers.
struct FetchedToken {
  std::string token;
  std::chrono::seconds expires_in{3600};
};

/// Credentials whose tokens expire: the token is kept and fetched again a
/// minute before it expires (or when the server refused it).
class RefreshingCredentials : public Credentials {
 public:
  compute::Result<std::string> Token(bool refresh) override;

 protected:
  explicit RefreshingCredentials(std::shared_ptr<HttpTransport> transport)
      : transport_(std::move(transport)) {}
  /// Gets a new token. 401 naming the credential on failure.
  virtual compute::Result<FetchedToken> Fetch() = 0;
  /// POSTs a form to a token endpoint and reads {access_token, expires_in}.
  compute::Result<FetchedToken> PostForm(const std::string& url, const std::string& form);
  compute::Status Refused(const std::string& why) const;

  std::shared_ptr<HttpTransport> transport_;

 private:
  std::mutex mu_;
  std::string token_;
  std::chrono::steady_clock::time_point renew_at_;
};

/// A service-account key file (type "service_account"): an RS256-signed JWT
/// (signed with OpenSSL) exchanged at the key's token_uri.
class ServiceAccountCredentials final : public RefreshingCredentials {
 public:
  /// Reads the key; 401 naming `path` when it is not a usable key.
  static compute::Result<std::unique_ptr<ServiceAccountCredentials>> FromJson(
      const nlohmann::json& key, const std::string& path, std::shared_ptr<HttpTransport> t);
  std::string Describe() const override;
  /// The signed assertion for `now` (exposed for tests).
  compute::Result<std::string> MakeJwt(std::chrono::system_clock::time_point now) const;

 protected:
  compute::Result<FetchedToken> Fetch() override;

 private:
  using RefreshingCredentials::RefreshingCredentials;
  std::string path_, email_, key_id_, pem_, token_uri_;
};

/// An authorized_user file (gcloud auth application-default login): a
/// refresh token exchanged at the token endpoint.
class AuthorizedUserCredentials final : public RefreshingCredentials {
 public:
  static compute::Result<std::unique_ptr<AuthorizedUserCredentials>> FromJson(
      const nlohmann::json& j, const std::string& path, std::shared_ptr<HttpTransport> t);
  std::string Describe() const override { return "the authorized_user credentials in " + path_; }

 protected:
  compute::Result<FetchedToken> Fetch() override;

 private:
  using RefreshingCredentials::RefreshingCredentials;
  std::string path_, client_id_, client_secret_, refresh_token_, token_uri_;
};

/// The metadata server of a GCE VM (or GCE_METADATA_HOST).
class MetadataServerCredentials final : public RefreshingCredentials {
 public:
  MetadataServerCredentials(std::string host, std::shared_ptr<HttpTransport> t)
      : RefreshingCredentials(std::move(t)), host_(std::move(host)) {}
  std::string Describe() const override {
    return "the default service account of the metadata server at " + host_;
  }

 protected:
  compute::Result<FetchedToken> Fetch() override;

 private:
  std::string host_;
};

/// Where FindCredentials looks, for tests and the CLI.
struct CredentialSources {
  std::string access_token;             // --access-token / IMAGO_ACCESS_TOKEN.
  std::string access_token_source;      // Which of the two.
  std::string application_credentials;  // GOOGLE_APPLICATION_CREDENTIALS.
  std::string gcloud_adc_file;          // The well-known ADC file (may be absent).
  std::string metadata_host;            // GCE_METADATA_HOST, or "" when not on GCE.
};

/// The sources of this process's environment (the well-known file under
/// $CLOUDSDK_CONFIG or ~/.config/gcloud; the metadata server only on a GCE
/// VM or with GCE_METADATA_HOST).
CredentialSources SourcesFromEnvironment(const std::string& access_token_flag);

/// The first credential found, in the order of Google's libraries: an access
/// token, GOOGLE_APPLICATION_CREDENTIALS, gcloud's application-default file,
/// the metadata server. 401 saying what was looked at when none is found,
/// or naming the file and the reason when one is unusable.
compute::Result<std::shared_ptr<Credentials>> FindCredentials(
    const CredentialSources& sources, std::shared_ptr<HttpTransport> transport);

}  // namespace imago::gce

#endif  // IMAGO_GCE_CREDENTIALS_H_
