#include "base/status.h"

namespace imago::base {

Status Status::ResourceNotFound(const std::string& path) {
  return NotFound("The resource '" + path + "' was not found");
}

Status Status::ResourceExists(const std::string& path) {
  return AlreadyExists("The resource '" + path + "' already exists");
}

Status Status::InvalidField(const std::string& field, const std::string& value,
                            const std::string& why) {
  std::string m = "Invalid value for field '" + field + "': '" + value + "'.";
  if (!why.empty()) m += " " + why;
  return Invalid(std::move(m));
}

int Status::http_code() const {
  switch (code_) {
    case Code::kOk:
      return 200;
    case Code::kInvalid:
    case Code::kRequired:
    case Code::kResourceInUse:
    case Code::kResourceNotReady:
    case Code::kInvalidUsage:
      return 400;
    case Code::kUnauthorized:
      return 401;
    case Code::kForbidden:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
      return 409;
    case Code::kConditionNotMet:
      return 412;
    case Code::kPayloadTooLarge:
      return 413;
    case Code::kRateLimited:
      return 429;
    case Code::kInternal:
      return 500;
    case Code::kUnavailable:
      return 503;
  }
  return 500;
}

const char* Status::reason() const {
  switch (code_) {
    case Code::kOk:
      return "";
    case Code::kInvalid:
      return "invalid";
    case Code::kRequired:
      return "required";
    case Code::kResourceInUse:
      return "resourceInUseByAnotherResource";
    case Code::kResourceNotReady:
      return "resourceNotReady";
    case Code::kInvalidUsage:
      return "invalidResourceUsage";
    case Code::kUnauthorized:
      return "required";
    case Code::kForbidden:
      return "forbidden";
    case Code::kNotFound:
      return "notFound";
    case Code::kAlreadyExists:
      return "alreadyExists";
    case Code::kConditionNotMet:
      return "conditionNotMet";
    case Code::kPayloadTooLarge:
      return "payloadTooLarge";
    case Code::kRateLimited:
      return "rateLimitExceeded";
    case Code::kInternal:
      return "backendError";
    case Code::kUnavailable:
      return "backendError";
  }
  return "backendError";
}

const char* Status::http_message() const {
  switch (http_code()) {
    case 400:
      return "BAD REQUEST";
    case 401:
      return "UNAUTHORIZED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "NOT FOUND";
    case 409:
      return "CONFLICT";
    case 412:
      return "PRECONDITION FAILED";
    case 413:
      return "PAYLOAD TOO LARGE";
    case 429:
      return "TOO MANY REQUESTS";
    case 503:
      return "SERVICE UNAVAILABLE";
    case 200:
      return "OK";
    default:
      return "INTERNAL SERVER ERROR";
  }
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(reason()) + ": " + message_;
}

}  // namespace imago::base
