// A request and an answer of the REST API, apart from HTTP's bytes.
#ifndef IMAGO_SERVER_HTTP_TYPES_H_
#define IMAGO_SERVER_HTTP_TYPES_H_

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace imago::server {

struct HttpRequest {
  std::string method;                        // GET, POST, PATCH, DELETE, ...
  std::string path;                          // Decoded, without the query.
  std::map<std::string, std::string> query;  // Decoded; the last value of a repeated key.
  std::string body;
};

struct HttpResponse {
  int status = 200;
  nlohmann::json body;  // null: an empty body (as GCE's operations.delete answers).
};

}  // namespace imago::server

#endif  // IMAGO_SERVER_HTTP_TYPES_H_
