// The compute/v1 resources imago handles, as plain data. Field names follow
// the API's JSON names in snake_case; json_codec.h reads and writes them.
#ifndef IMAGO_COMPUTE_TYPES_H_
#define IMAGO_COMPUTE_TYPES_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/status.h"

namespace imago::compute {

using Labels = std::map<std::string, std::string>;

/// DeprecationStatus.state.
enum class DeprecationState { kActive, kDeprecated, kObsolete, kDeleted };

const char* DeprecationStateName(DeprecationState s);
/// Parses "ACTIVE", "DEPRECATED", "OBSOLETE", "DELETED" (exact, upper case).
std::optional<DeprecationState> ParseDeprecationState(const std::string& s);

/// An image's deprecation status. The dates are informational, as in GCE.
struct DeprecationStatus {
  DeprecationState state = DeprecationState::kActive;
  std::string replacement;  // URL of the suggested replacement image.
  std::string deprecated;   // RFC 3339 dates; empty when unset.
  std::string obsolete;
  std::string deleted;
};

/// Image.rawDisk: for the local cloud `source` is a local file (a path or a file:// URL).
struct RawDisk {
  std::string source;
  std::string sha1_checksum;
  std::string container_type;
};

/// compute#image.
struct Image {
  uint64_t id = 0;
  std::string creation_timestamp;
  std::string name;
  std::string description;
  std::string self_link;
  std::string family;
  Labels labels;
  std::string label_fingerprint;
  std::string status;  // PENDING, READY, FAILED, DELETING.
  std::optional<DeprecationStatus> deprecated;
  std::string source_type;  // RAW.
  std::optional<RawDisk> raw_disk;
  std::string source_disk;
  std::string source_disk_id;
  std::string source_image;
  std::string source_image_id;
  std::string source_snapshot;
  std::string source_snapshot_id;
  int64_t disk_size_gb = 0;
  int64_t archive_size_bytes = 0;
  std::vector<std::string> storage_locations;
  /// Other compute/v1 Image fields imago stores and returns but does not
  /// interpret (guestOsFeatures, licenses, architecture, ...).
  nlohmann::json extra = nlohmann::json::object();

  /// True when the image may be used as a source and counts for its family.
  bool IsDeprecated() const {
    return deprecated.has_value() && deprecated->state != DeprecationState::kActive;
  }
  DeprecationState State() const {
    return deprecated ? deprecated->state : DeprecationState::kActive;
  }
};

/// An entry of Operation.error.errors.
struct OperationError {
  std::string code;  // e.g. RESOURCE_NOT_FOUND.
  std::string message;
  std::string location;
};

/// An entry of Operation.warnings (also list warnings).
struct Warning {
  std::string code;  // e.g. DEPRECATED_RESOURCE_USED.
  std::string message;
  std::vector<std::pair<std::string, std::string>> data;
};

/// compute#operation.
struct Operation {
  uint64_t id = 0;
  std::string name;
  std::string operation_type;  // insert, delete, deprecate, setLabels, patch.
  std::string status;          // PENDING, RUNNING, DONE.
  std::string status_message;
  int progress = 0;
  std::string target_link;
  uint64_t target_id = 0;
  std::string user;
  std::string insert_time;
  std::string start_time;
  std::string end_time;
  std::string self_link;
  std::string zone;  // Empty for global operations.
  std::string client_operation_id;
  std::string description;
  std::vector<OperationError> errors;
  int http_error_status_code = 0;
  std::string http_error_message;
  std::vector<Warning> warnings;

  bool done() const { return status == "DONE"; }
  bool failed() const { return !errors.empty(); }
};

/// A mutation's outcome as one Status: the call's error, else the
/// operation's first error (400 with its message), else OK.
inline Status OperationStatus(const Result<Operation>& op) {
  if (!op.ok()) return op.status();
  if (op->failed()) return Status::Invalid(op->errors.front().message);
  return Status::OK();
}

/// Called with bytes done and bytes in all while a long mutation runs.
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

/// Options shared by every mutation.
struct MutationOptions {
  std::string request_id;  // A UUID, or empty.
  ProgressFn progress;     // Optional; may be ignored by remote implementations.
};

/// Parameters of every list method.
struct ListOptions {
  std::string filter;
  std::string order_by;  // "", "name" or "creationTimestamp desc".
  uint32_t max_results = 500;
  std::string page_token;
};

/// One page of a list.
template <typename T>
struct ListPage {
  std::vector<T> items;
  std::string next_page_token;
  std::optional<Warning> warning;
};

/// One page of an aggregatedList: the items of each scope ("zones/local-a",
/// "regions/local", "global"), in scope order. Every scope of the project
/// has an entry, empty when nothing of it is on this page.
template <typename T>
struct AggregatedPage {
  std::map<std::string, std::vector<T>> items;
  std::string next_page_token;
  std::vector<std::string> unreachables;  // Scopes that could not be read.
};

/// The labelFingerprint of a label map: base64 of the first 8 bytes of the
/// SHA-256 of its canonical form. Equal maps have equal fingerprints.
std::string LabelFingerprint(const Labels& labels);
/// Base64 of the first 8 bytes of the SHA-256 of `canonical`: GCE's fingerprint form.
std::string ShortFingerprint(const std::string& canonical);

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_TYPES_H_
