// Credentials: where GceClient's bearer token comes from. Each kind says
// what it is in Describe() (never the secret), so that an error can name
// the credential that was tried.
#ifndef IMAGO_GCE_CREDENTIALS_H_
#define IMAGO_GCE_CREDENTIALS_H_

#include <string>

#include "compute/status.h"

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

}  // namespace imago::gce

#endif  // IMAGO_GCE_CREDENTIALS_H_
