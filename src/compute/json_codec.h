// JSON codec for the compute/v1 resources: exactly the API's field names and
// conventions (kind, int64 as strings, RFC 3339 text). Readers are strict as
// Google's front end is: an unknown field or a wrong type is a 400 that names
// the field.
#ifndef IMAGO_COMPUTE_JSON_CODEC_H_
#define IMAGO_COMPUTE_JSON_CODEC_H_

#include <string_view>

#include <nlohmann/json.hpp>

#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

using Json = nlohmann::json;

Json ToJson(const Image& image);
Json ToJson(const DeprecationStatus& d);
Json ToJson(const Operation& op);
Json ToJson(const Warning& w);

/// Reads an Image body. `where` names the body in messages ("image").
/// Output-only fields (id, selfLink, status, ...) are read too: a caller that
/// creates an image decides what to ignore.
Result<Image> ImageFromJson(const Json& j, std::string_view where = "image");
/// Reads a DeprecationStatus body. An empty object is allowed (it clears the
/// deprecation on `images.deprecate`).
Result<DeprecationStatus> DeprecationStatusFromJson(const Json& j,
                                                    std::string_view where = "deprecationStatus");
Result<Labels> LabelsFromJson(const Json& j, std::string_view where);
/// Reads an Operation (as stored, or as a server returned it).
Result<Operation> OperationFromJson(const Json& j);

/// GCE's error body: {"error":{"code","message","errors":[{message,domain,reason}]}}.
Json ErrorJson(const Status& status);
/// The reverse: the Status a GCE error body describes (for clients).
Status StatusFromErrorJson(int http_code, const Json& body);

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_JSON_CODEC_H_
