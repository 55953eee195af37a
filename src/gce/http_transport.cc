#include "gce/http_transport.h"

#include <curl/curl.h>
#include <strings.h>

#include <functional>
#include <memory>
#include <mutex>
#include <regex>

#include <fmt/format.h>

namespace imago::gce {

using compute::Result;
using compute::Status;

namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t OnBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    size_t v = line.find_first_not_of(" \t", colon + 1);
    size_t end = line.find_last_not_of("\r\n");
    (*static_cast<std::map<std::string, std::string>*>(out))[name] =
        v == std::string::npos || end < v ? "" : line.substr(v, end - v + 1);
  }
  return size * n;
}

}  // namespace

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

CurlTransport::CurlTransport(std::chrono::milliseconds timeout) : timeout_(timeout) {
  GlobalInit();
}

CurlTransport::~CurlTransport() {
  for (void* c : idle_) curl_easy_cleanup(static_cast<CURL*>(c));  // Closes their connections.
}

void* CurlTransport::TakeHandle() {
  std::lock_guard lock(mu_);
  if (idle_.empty()) return curl_easy_init();
  void* c = idle_.back();
  idle_.pop_back();
  return c;
}

void CurlTransport::GiveBack(void* curl) {
  std::lock_guard lock(mu_);
  idle_.push_back(curl);
}

Result<HttpReply> CurlTransport::Send(const HttpCall& call) {
  CURL* curl = static_cast<CURL*>(TakeHandle());
  if (!curl) return Status::Unavailable("libcurl could not start");
  std::unique_ptr<CURL, std::function<void(CURL*)>> give_back(curl,
                                                              [this](CURL* c) { GiveBack(c); });
  curl_easy_reset(curl);
  HttpReply reply;
  curl_easy_setopt(curl, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  if (call.method == "GET") curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  if (!call.body.empty() || call.method == "POST" || call.method == "PATCH") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  }
  struct curl_slist* headers = nullptr;
  for (const auto& [k, v] : call.headers)
    headers = curl_slist_append(headers, (k + ": " + v).c_str());
  headers = curl_slist_append(headers, "Expect:");  // No 100-continue round trip.
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> guard(headers, curl_slist_free_all);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip when the server offers it.
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "imago/0.1 (GceClient; libcurl)");
  CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    return Status::Unavailable(std::string("no answer from ") + call.url + ": " +
                               curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  reply.status = static_cast<int>(status);
  return reply;
}

std::string RedactSecrets(const std::string& text) {
  static const std::regex kSecret(
      R"re(("(access_token|refresh_token|client_secret|id_token|private_key)"\s*:\s*")[^"]*(")|((access_token|refresh_token|client_secret|assertion)=)[^&\s]*)re");
  return std::regex_replace(text, kSecret, "$1$4--- Token Redacted ---$3");
}

Result<HttpReply> LoggingTransport::Send(const HttpCall& call) {
  const auto start = std::chrono::steady_clock::now();
  auto reply = inner_->Send(call);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::lock_guard lock(mu_);
  out_ << "=======================\n==== request start ====\nuri: " << call.url
       << "\nmethod: " << call.method << "\n== headers start ==\n";
  for (const auto& [k, v] : call.headers) {
    bool secret = strcasecmp(k.c_str(), "authorization") == 0;
    out_ << k << ": " << (secret ? "--- Token Redacted ---" : v) << "\n";
  }
  out_ << "== headers end ==\n== body start ==\n"
       << RedactSecrets(call.body) << "\n== body end ==\n==== request end ====\n";
  if (!reply.ok()) {
    out_ << "---- no response: " << reply.status().message() << " ----\n";
    return reply;
  }
  out_ << "---- response start ----\nstatus: " << reply->status << "\n-- headers start --\n";
  for (const auto& [k, v] : reply->headers) out_ << k << ": " << v << "\n";
  out_ << "-- headers end --\n-- body start --\n"
       << RedactSecrets(reply->body)
       << "\n-- body end --\ntotal round trip time (request+response): "
       << fmt::format("{:.3f}", secs) << " secs\n---- response end ----\n"
       << std::flush;
  return reply;
}

}  // namespace imago::gce
