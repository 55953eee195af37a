// Status: the result of an operation that can fail, carried across module
// borders instead of exceptions (as in LevelDB). A non-OK Status maps one to
// one onto a Compute Engine error: an HTTP code, a `reason` string and a
// message, so the same value can be printed as one line by the CLI or sent
// as GCE's error JSON by a server.
#ifndef IMAGO_BASE_STATUS_H_
#define IMAGO_BASE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace imago::base {

/// The GCE error reasons imago produces, each with its HTTP code.
enum class Code {
  kOk,
  kInvalid,           // 400 invalid: a field has a bad value.
  kRequired,          // 400 required: a required field is missing.
  kResourceInUse,     // 400 resourceInUseByAnotherResource.
  kResourceNotReady,  // 400 resourceNotReady: obsolete/deleted/pending resource used.
  kInvalidUsage,      // 400 invalidResourceUsage: e.g. deleting a protected instance.
  kUnauthorized,      // 401 required (auth).
  kForbidden,         // 403 forbidden.
  kNotFound,          // 404 notFound.
  kAlreadyExists,     // 409 alreadyExists.
  kConditionNotMet,   // 412 conditionNotMet: stale fingerprint.
  kPayloadTooLarge,   // 413.
  kRateLimited,       // 429 rateLimitExceeded.
  kInternal,          // 500 backendError.
  kUnavailable,       // 503 / I/O failure that may pass.
};

class Status {
 public:
  Status() = default;  // OK.
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status Invalid(std::string m) { return {Code::kInvalid, std::move(m)}; }
  static Status Required(std::string m) { return {Code::kRequired, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status ConditionNotMet(std::string m) { return {Code::kConditionNotMet, std::move(m)}; }
  static Status ResourceInUse(std::string m) { return {Code::kResourceInUse, std::move(m)}; }
  static Status NotReady(std::string m) { return {Code::kResourceNotReady, std::move(m)}; }
  static Status InvalidUsage(std::string m) { return {Code::kInvalidUsage, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }

  /// Builds GCE's standard messages.
  static Status ResourceNotFound(const std::string& path);  // "The resource 'P' was not found"
  static Status ResourceExists(const std::string& path);    // "The resource 'P' already exists"
  /// "Invalid value for field 'FIELD': 'VALUE'. WHY"
  static Status InvalidField(const std::string& field, const std::string& value,
                             const std::string& why);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  /// HTTP status code of this error (200 when OK).
  int http_code() const;
  /// GCE `reason` string, e.g. "notFound".
  const char* reason() const;
  /// HTTP reason phrase in GCE's upper-case form, e.g. "NOT FOUND".
  const char* http_message() const;
  /// For 412 on fingerprints GCE also names where the precondition came from.
  const std::optional<std::string>& location() const { return location_; }
  Status& WithLocation(std::string loc) {
    location_ = std::move(loc);
    return *this;
  }

  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::optional<std::string> location_;
};

/// A value or the Status that explains why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design.
  Result(Status status) : v_(std::move(status)) {  // NOLINT: must not be OK.
    assert(!std::get<Status>(v_).ok() && "a Result is made from an error, never from OK");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace imago::base

/// Returns early from the enclosing function when `expr` is not OK.
#define IMAGO_RETURN_IF_ERROR(expr)     \
  do {                                  \
    ::imago::base::Status _st = (expr); \
    if (!_st.ok()) return _st;          \
  } while (0)

#endif  // IMAGO_BASE_STATUS_H_
