#include "compute/page_token.h"

#include <charconv>

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace imago::compute {
namespace {

std::string Base64Url(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), in.size());
  out.resize(n);
  for (char& c : out) {
    if (c == '+')
      c = '-';
    else if (c == '/')
      c = '_';
  }
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

bool FromBase64Url(std::string_view in, std::string* out) {
  std::string s(in);
  for (char& c : s) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (!(isalnum(static_cast<unsigned char>(c))))
      return false;
  }
  size_t pad = (4 - s.size() % 4) % 4;
  if (pad == 3) return false;
  s.append(pad, '=');
  std::string buf(s.size() / 4 * 3 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(buf.data()),
                          reinterpret_cast<const unsigned char*>(s.data()), s.size());
  if (n < 0) return false;
  buf.resize(n - pad);
  *out = std::move(buf);
  return true;
}

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
  return Base64Url(raw);
}

Result<PageCursor> DecodePageToken(std::string_view token, std::string_view scope) {
  if (token.size() > 512) return Bad(token);
  std::string raw;
  if (!FromBase64Url(token, &raw)) return Bad(token);
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

}  // namespace imago::compute
