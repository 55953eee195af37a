#include "compute/page_token.h"

#include <charconv>

#include "base/base64.h"

#include <openssl/sha.h>

namespace imago::compute {
namespace {

Status Bad(std::string_view token) {
  std::string shown(token.substr(0, 60));
  return Status::InvalidField("pageToken", shown,
                              "Use the nextPageToken of the previous page of the same list.");
}

}  // namespace

std::string PageScope(std::string_view what) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(what.data()), what.size(), d);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 6; ++i) {
    out += kHex[d[i] >> 4];
    out += kHex[d[i] & 15];
  }
  return out;
}

std::string EncodePageToken(const PageCursor& c) {
  std::string raw = "1|" + c.scope + "|" + std::to_string(c.last_time) + "|" + c.last_name;
  return base::Base64UrlEncode(raw);
}

Result<PageCursor> DecodePageToken(std::string_view token, std::string_view scope) {
  if (token.size() > 512) return Bad(token);
  std::string raw;
  if (!base::Base64UrlDecode(token, &raw)) return Bad(token);
  // "1|scope|time|name"
  size_t a = raw.find('|');
  if (a == std::string::npos || raw.substr(0, a) != "1") return Bad(token);
  size_t b = raw.find('|', a + 1);
  if (b == std::string::npos) return Bad(token);
  size_t c = raw.find('|', b + 1);
  if (c == std::string::npos) return Bad(token);
  PageCursor cur;
  cur.scope = raw.substr(a + 1, b - a - 1);
  if (cur.scope != scope) return Bad(token);
  std::string_view t(raw.data() + b + 1, c - b - 1);
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), cur.last_time);
  if (ec != std::errc() || p != t.data() + t.size()) return Bad(token);
  cur.last_name = raw.substr(c + 1);
  return cur;
}

std::string EncodeAggregateToken(size_t scope_index, std::string_view inner) {
  return base::Base64UrlEncode("a1|" + std::to_string(scope_index) + "|" + std::string(inner));
}

Status DecodeAggregateToken(std::string_view token, size_t scopes, size_t* scope_index,
                            std::string* inner) {
  std::string raw;
  if (token.size() > 1024 || !base::Base64UrlDecode(token, &raw) || !raw.starts_with("a1|")) {
    return Bad(token);
  }
  size_t bar = raw.find('|', 3);
  if (bar == std::string::npos) return Bad(token);
  std::string_view index(raw.data() + 3, bar - 3);
  size_t i = 0;
  auto [p, ec] = std::from_chars(index.data(), index.data() + index.size(), i);
  if (ec != std::errc() || p != index.data() + index.size() || i >= scopes) return Bad(token);
  *scope_index = i;
  *inner = raw.substr(bar + 1);
  return Status::OK();
}

}  // namespace imago::compute
