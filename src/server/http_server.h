// HttpServer: RestApi behind HTTP/1.1 (cpp-httplib), with keep-alive, a
// bounded body size, read timeouts for slow clients, and a bearer token.
#ifndef IMAGO_SERVER_HTTP_SERVER_H_
#define IMAGO_SERVER_HTTP_SERVER_H_

#include <memory>
#include <string>

#include "compute/status.h"
#include "server/rest_api.h"

namespace httplib {
class Server;
}

namespace imago::server {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;    // 0: any free port (see HttpServer::port()).
  std::string token;  // Required as "Authorization: Bearer TOKEN" unless no_auth.
  bool no_auth = false;
  size_t max_body = 4 << 20;  // Larger bodies get 413.
  // cpp-httplib serves a connection on one thread for as long as it lives:
  // keep-alive clients each hold one, so there are many and they are cheap.
  int threads = 64;
  int read_timeout_s = 5;  // A client that sends nothing for this long is dropped.
};

/// The largest request body `imago serve` takes by default (4 MiB: room for
/// an instance with the 512 KiB of metadata GCE allows, with margin).
constexpr size_t kDefaultMaxBody = 4 << 20;

class HttpServer {
 public:
  explicit HttpServer(ServeOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds the socket. 503 with the reason when the address cannot be bound.
  compute::Status Bind();
  /// The token clients must send (set before Run).
  void set_token(std::string token) { options_.token = std::move(token); }
  /// The bound port.
  int port() const { return port_; }
  /// Serves with `api` (not owned; it must outlive Run) until Stop() is
  /// called from another thread or a signal handler. Bind() first.
  void Run(RestApi& api);
  /// Stops Run. Call it once running() is true: a Stop before Run has
  /// started its loop is lost (cpp-httplib), and Run would not return.
  void Stop();
  /// True while Run serves.
  bool running() const;

 private:
  RestApi* api_ = nullptr;
  ServeOptions options_;
  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
};

/// The bearer token of `imago serve` in `home` (home/serve-token, mode 0600),
/// made on first use from 32 random bytes. 400 when the file exists with a
/// mode that lets others read it.
compute::Result<std::string> LoadOrCreateToken(const std::string& home);

/// True when `host` (of --listen) names only this machine: 127.0.0.0/8,
/// ::1 or localhost.
bool IsLoopbackHost(const std::string& host);

}  // namespace imago::server

#endif  // IMAGO_SERVER_HTTP_SERVER_H_
