#include "server/router.h"

namespace imago::server {

namespace {

std::vector<std::string> Split(const std::string& pattern) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= pattern.size()) {
    size_t slash = pattern.find('/', start);
    if (slash == std::string::npos) slash = pattern.size();
    out.push_back(pattern.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

void Router::Add(const char* method, const std::string& pattern, Handler handler) {
  routes_.push_back({method, Split(pattern), std::move(handler)});
}

const Handler* Router::Find(const std::string& method, const std::vector<std::string>& segments,
                            std::vector<std::string>* params) const {
  for (const Route& r : routes_) {
    if (r.method != method || r.pattern.size() != segments.size()) continue;
    params->clear();
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      const std::string& p = r.pattern[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        match = !segments[i].empty();
        params->push_back(segments[i]);
      } else {
        match = p == segments[i];
      }
    }
    if (match) return &r.handler;
  }
  return nullptr;
}

}  // namespace imago::server
