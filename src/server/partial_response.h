// The `fields` parameter of Google's APIs: a partial response. A selection
// such as "items(name,status),nextPageToken" or "name,deprecated/state"
// keeps only those fields of the answer; inside a list, a selection applies
// to each element. "*" selects every field at its level.
//
//   selection := item ("," item)*
//   item      := path [ "(" selection ")" ]
//   path      := name ("/" name)*        name := [A-Za-z0-9_.$-]+ | "*"
#ifndef IMAGO_SERVER_PARTIAL_RESPONSE_H_
#define IMAGO_SERVER_PARTIAL_RESPONSE_H_

#include <map>
#include <memory>
#include <string_view>

#include <nlohmann/json.hpp>

#include "compute/status.h"

namespace imago::server {

/// A parsed selection: for each field named, what of it to keep (nothing
/// below it: all of it).
struct FieldSelection {
  std::map<std::string, FieldSelection, std::less<>> fields;
  bool all() const { return fields.empty(); }
};

/// Parses `text`; 400 naming 'fields' and where it went wrong.
compute::Result<FieldSelection> ParseFieldSelection(std::string_view text);

/// What of `value` the selection keeps (objects and arrays of objects).
nlohmann::json ApplyFieldSelection(const FieldSelection& selection, const nlohmann::json& value);

}  // namespace imago::server

#endif  // IMAGO_SERVER_PARTIAL_RESPONSE_H_
