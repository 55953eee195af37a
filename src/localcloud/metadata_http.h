// The HTTP/1.1 of the metadata server, apart from its answers: reading a
// request head as a guest sends it, and percent-decoding. A guest is not
// trusted: nothing it sends may crash or stall the server, so the parser
// is a pure function with a fuzz target (fuzz/metadata_http_fuzz.cc).
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_METADATA_HTTP_H_
#define IMAGO_LOCALCLOUD_METADATA_HTTP_H_

#include <map>
#include <string>
#include <string_view>

namespace imago::localcloud {

/// The largest request head the server reads.
constexpr size_t kMaxMetadataRequest = 16 * 1024;

/// One parsed HTTP request.
struct MetadataRequest {
  std::string method;
  std::string path;  // Percent-decoded per segment by the caller; raw here, without the query.
  std::map<std::string, std::string> query;    // Decoded.
  std::map<std::string, std::string> headers;  // Names in lower case.
};

/// Decodes %XX escapes and '+' (as a space, in queries). False, leaving
/// `out` unspecified, on a '%' not followed by two hex digits.
bool UrlDecode(std::string_view in, std::string* out);

/// Parses a request head (request line and headers, without the blank line
/// that ends it). False on anything that is not one: no method or target, a
/// bad escape in the query, a head over kMaxMetadataRequest.
bool ParseRequestHead(std::string_view head, MetadataRequest* req);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_METADATA_HTTP_H_
