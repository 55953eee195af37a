// Validation of the names and labels GCE accepts. Every function that
// returns a Status names the field and the value in its message.
#ifndef IMAGO_COMPUTE_NAMES_H_
#define IMAGO_COMPUTE_NAMES_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "compute/status.h"

namespace imago::compute {

/// The RFC 1035 rule of every GCE resource name: `[a-z]([-a-z0-9]{0,61}[a-z0-9])?`.
constexpr const char* kNamePattern = "[a-z]([-a-z0-9]{0,61}[a-z0-9])?";
constexpr size_t kMaxNameLength = 63;

bool IsValidName(std::string_view name);

/// Every rule the name breaks, one sentence each; empty when it is valid.
std::vector<std::string> ExplainNameViolations(std::string_view name);

/// OK, or 400 invalid naming `field` and the first violation.
Status ValidateName(std::string_view field, std::string_view name);

/// A project id as GCE's path parameter accepts it (lower-case name, optionally
/// "domain.com:" prefixed, or a numeric project number).
Status ValidateProject(std::string_view project);

/// Labels: at most 64; keys 1-63 characters starting with a lower-case letter;
/// values 0-63 characters; only lower-case letters, digits, '_' and '-'
/// (international lower-case letters are allowed too, as in GCE).
Status ValidateLabels(std::string_view field, const std::map<std::string, std::string>& labels);
Status ValidateLabelKey(std::string_view field, std::string_view key);
Status ValidateLabelValue(std::string_view field, std::string_view key, std::string_view value);

/// A requestId: a UUID (8-4-4-4-12 hex digits), not the zero UUID.
Status ValidateRequestId(std::string_view request_id);

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_NAMES_H_
