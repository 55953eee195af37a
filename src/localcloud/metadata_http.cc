#include "localcloud/metadata_http.h"

namespace imago::localcloud {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool UrlDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (in[i] == '+') {
      out->push_back(' ');
    } else {
      out->push_back(in[i]);
    }
  }
  return true;
}

bool ParseRequestHead(std::string_view head, MetadataRequest* req) {
  if (head.size() > kMaxMetadataRequest) return false;
  *req = MetadataRequest();
  size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1 || sp1 == 0) return false;
  req->method = std::string(line.substr(0, sp1));
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (target.starts_with("http://")) {  // Absolute form (a proxy-style request).
    size_t slash = target.find('/', 7);
    target = slash == std::string_view::npos ? "/" : target.substr(slash);
  }
  if (target.empty()) return false;
  size_t qm = target.find('?');
  req->path = std::string(target.substr(0, qm));
  if (qm != std::string_view::npos) {
    std::string_view query = target.substr(qm + 1);
    size_t s = 0;
    while (s <= query.size()) {
      size_t e = query.find('&', s);
      if (e == std::string_view::npos) e = query.size();
      std::string_view kv = query.substr(s, e - s);
      size_t eq = kv.find('=');
      if (!kv.empty()) {
        std::string key, value;
        if (!UrlDecode(kv.substr(0, eq), &key)) return false;
        if (eq != std::string_view::npos && !UrlDecode(kv.substr(eq + 1), &value)) return false;
        req->query[key] = value;
      }
      s = e + 1;
    }
  }
  size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string_view::npos) e = head.size();
    std::string_view h = head.substr(pos, e - pos);
    size_t colon = h.find(':');
    if (colon != std::string_view::npos) {
      std::string name(h.substr(0, colon));
      for (char& c : name) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
      size_t v = h.find_first_not_of(' ', colon + 1);
      req->headers[name] = v == std::string_view::npos ? "" : std::string(h.substr(v));
    }
    pos = e + 2;
  }
  return true;
}

}  // namespace imago::localcloud
