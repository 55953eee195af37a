// Opaque page tokens for list methods. A token is a keyset cursor: it holds
// the sort key of the last item returned, not an offset, so inserting or
// deleting resources between two pages never repeats or skips one that was
// there all along. It is bound to the filter and order it was made for.
#ifndef IMAGO_COMPUTE_PAGE_TOKEN_H_
#define IMAGO_COMPUTE_PAGE_TOKEN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "compute/status.h"

namespace imago::compute {

struct PageCursor {
  std::string scope;      // Hash of what the list was asked (filter, order, project).
  int64_t last_time = 0;  // Sort key 1 of the last item (for time orders).
  std::string last_name;  // Sort key 2 (name; unique within the listing).
};

/// Makes the scope of a listing from everything that must stay the same across its pages.
std::string PageScope(std::string_view what);

std::string EncodePageToken(const PageCursor& c);

/// Decodes a token; 400 invalid naming 'pageToken' when it is malformed or
/// was made for another listing (`scope` differs).
Result<PageCursor> DecodePageToken(std::string_view token, std::string_view scope);

/// The token of an aggregated list: which scope it stopped in (an index
/// into the scopes, in order) and that scope's own page token.
std::string EncodeAggregateToken(size_t scope_index, std::string_view inner);
/// 400 naming 'pageToken' when `token` is not one of EncodeAggregateToken's
/// or names a scope at or past `scopes`.
Status DecodeAggregateToken(std::string_view token, size_t scopes, size_t* scope_index,
                            std::string* inner);

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_PAGE_TOKEN_H_
