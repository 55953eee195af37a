#include "server/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <httplib.h>

#include <fstream>
#include <sstream>

#include "compute/json_codec.h"

namespace imago::server {

using compute::Status;

namespace {

void WriteJson(httplib::Response& res, int status, const compute::Json& body) {
  res.status = status;
  if (body.is_null()) {
    res.set_content("", "application/json; charset=UTF-8");
  } else {
    // Text from the request may not be UTF-8: replace, never throw.
    res.set_content(body.dump(-1, ' ', false, compute::Json::error_handler_t::replace),
                    "application/json; charset=UTF-8");
  }
}

Status Unauthenticated(const std::string& why) {
  return Status(compute::Code::kUnauthorized,
                "Request is missing required authentication credential or has an invalid one (" +
                    why +
                    "). Expected OAuth 2 access token: send 'Authorization: Bearer TOKEN' with "
                    "the token of `imago serve --print-token`.");
}

// Compares without leaking where the first difference is.
bool SameToken(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

HttpServer::HttpServer(ServeOptions options)
    : options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Bind() {
  httplib::Server& s = *http_;
  int threads = options_.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_payload_max_length(options_.max_body);
  s.set_read_timeout(options_.read_timeout_s, 0);
  s.set_write_timeout(options_.read_timeout_s, 0);
  s.set_keep_alive_max_count(1000);
  s.set_keep_alive_timeout(5);
  // Headers and body go out in separate writes: without this, Nagle and
  // delayed ACKs hold each answer ~40 ms on a keep-alive connection.
  s.set_tcp_nodelay(true);
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!options_.no_auth) {
      // Refused before its body is read: the connection cannot go on (the
      // unread body would be taken for the next request), so it closes.
      std::string auth = req.get_header_value("Authorization");
      constexpr std::string_view kBearer = "Bearer ";
      if (auth.empty()) {
        Status st = Unauthenticated("no Authorization header");
        st.WithLocation("Authorization");
        WriteJson(res, 401, compute::ErrorJson(st));
        res.set_header("Connection", "close");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (!auth.starts_with(kBearer) || !SameToken(auth.substr(kBearer.size()), options_.token)) {
        Status st = Unauthenticated("the token is not this server's");
        st.WithLocation("Authorization");
        WriteJson(res, 401, compute::ErrorJson(st));
        res.set_header("Connection", "close");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;  // Authenticated: read the body, route.
  });
  auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    HttpRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params) r.query[k] = v;
    r.body = req.body;
    HttpResponse out = api_->Handle(r);
    WriteJson(res, out.status, out.body);
  };
  s.Get(".*", handle);
  s.Post(".*", handle);
  s.Put(".*", handle);
  s.Patch(".*", handle);
  s.Delete(".*", handle);
  // What the router never sees: bodies over the limit, unparsable requests.
  s.Options(".*", handle);
  // What the router never sees: bodies over the limit, unreadable requests,
  // methods HTTP does not know. Always GCE's error shape.
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    Status st =
        res.status == 413   ? Status(compute::Code::kPayloadTooLarge,
                                     "The request body is larger than this server takes (4 MiB).")
        : res.status == 404 ? Status::NotFound("The requested URL was not found on this server.")
                            : Status::Invalid("The request could not be read (malformed HTTP).");
    WriteJson(res, st.http_code(), compute::ErrorJson(st));
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    WriteJson(res, 500, compute::ErrorJson(Status::Internal("internal error")));
  });
  if (options_.port == 0) {
    port_ = s.bind_to_any_port(options_.host);
    if (port_ <= 0) return Status::Unavailable("cannot listen on " + options_.host);
  } else {
    if (!s.bind_to_port(options_.host, options_.port)) {
      return Status::Unavailable("cannot listen on " + options_.host + ":" +
                                 std::to_string(options_.port) +
                                 " (in use? choose another with --listen HOST:PORT)");
    }
    port_ = options_.port;
  }
  return Status::OK();
}

void HttpServer::Run(RestApi& api) {
  api_ = &api;
  http_->listen_after_bind();
}

void HttpServer::Stop() {
  http_->stop();
}

bool HttpServer::running() const {
  return http_->is_running();
}

compute::Result<std::string> LoadOrCreateToken(const std::string& home) {
  std::string path = home + "/serve-token";
  std::ifstream in(path);
  std::string token;
  if (in && std::getline(in, token) && token.size() >= 32) {
    // A token others can read is not a secret (as ssh treats its keys).
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      char mode[8];
      snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
      return Status::Invalid(path + " is readable by others (mode " + mode + "): run chmod 600 " +
                             path + ", or delete it for a new token.");
    }
    return token;
  }
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) return Status::Unavailable("no random bytes for a token");
  static const char* kHex = "0123456789abcdef";
  token.clear();
  for (unsigned char c : raw) {
    token += kHex[c >> 4];
    token += kHex[c & 15];
  }
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot write " + tmp);
  std::string line = token + "\n";
  bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = fsync(fd) == 0 && ok;
  close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::Unavailable("cannot write " + path);
  }
  return token;
}

bool IsLoopbackHost(const std::string& host) {
  std::string h = host;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h == "localhost" || h == "::1") return true;
  unsigned char addr[4];
  return inet_pton(AF_INET, h.c_str(), addr) == 1 && addr[0] == 127;
}

}  // namespace imago::server
