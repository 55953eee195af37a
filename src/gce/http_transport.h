// HttpTransport: one HTTP exchange, the only thing GceClient needs from the
// network. CurlTransport is the real one (libcurl, a connection kept per
// thread); tests put a fault-injecting proxy between it and the server.
#ifndef IMAGO_GCE_HTTP_TRANSPORT_H_
#define IMAGO_GCE_HTTP_TRANSPORT_H_

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "compute/status.h"

namespace imago::gce {

struct HttpCall {
  std::string method;  // GET, POST, PATCH, DELETE.
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // Sent when not empty (or for POST).
};

struct HttpReply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // Names in lower case.
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  /// Performs the exchange. An HTTP answer of any status is a success here;
  /// a failure (503 Unavailable) means no answer came: refused, cut, timed out.
  virtual compute::Result<HttpReply> Send(const HttpCall& call) = 0;
};

/// libcurl. Safe to use from several threads. Easy handles (each with its
/// kept-alive connection) are pooled and reused; destroying the transport
/// closes them. `timeout` bounds one exchange.
class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(std::chrono::milliseconds timeout = std::chrono::seconds(150));
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  compute::Result<HttpReply> Send(const HttpCall& call) override;

 private:
  void* TakeHandle();
  void GiveBack(void* curl);

  std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL* handles not in use.
};

/// Logs every exchange of `inner` to `out` (stderr for `--log-http`), in
/// gcloud's --log-http layout: the request (method, URI, headers, body),
/// then the answer (status, headers, body, time). Credentials never appear:
/// Authorization headers, and access_token / refresh_token / client_secret
/// values in bodies, are written as "--- Token Redacted ---".
class LoggingTransport final : public HttpTransport {
 public:
  LoggingTransport(std::shared_ptr<HttpTransport> inner, std::ostream& out)
      : inner_(std::move(inner)), out_(out) {}
  compute::Result<HttpReply> Send(const HttpCall& call) override;

 private:
  std::shared_ptr<HttpTransport> inner_;
  std::ostream& out_;
  std::mutex mu_;  // One exchange's lines together.
};

/// `text` with the values of secret-bearing JSON or form fields redacted.
std::string RedactSecrets(const std::string& text);

/// Percent-encodes a query value or path segment.
std::string UrlEncode(const std::string& s);

}  // namespace imago::gce

#endif  // IMAGO_GCE_HTTP_TRANSPORT_H_
