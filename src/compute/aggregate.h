// AggregateList: an aggregatedList made of per-scope lists, for a cloud
// that lists each zone on its own (the local cloud). The pages cross scope
// borders: a page holds up to maxResults items in all, and its token says
// in which scope, and where in it, the next page starts.
#ifndef IMAGO_COMPUTE_AGGREGATE_H_
#define IMAGO_COMPUTE_AGGREGATE_H_

#include <functional>
#include <string>
#include <vector>

#include "compute/page_token.h"
#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

/// Lists `scopes` ("zones/local-a", ..., in order) with `list`, which gets
/// one scope and the options for it (filter and order as given, a page
/// size, that scope's page token). Every scope has an entry in the page.
template <typename T>
Result<AggregatedPage<T>> AggregateList(
    const std::vector<std::string>& scopes, const ListOptions& opts,
    const std::function<Result<ListPage<T>>(const std::string& scope, const ListOptions&)>& list) {
  if (opts.max_results > 500) {
    return Status::InvalidField("maxResults", std::to_string(opts.max_results),
                                "Must be less than or equal to 500.");
  }
  AggregatedPage<T> page;
  for (const auto& s : scopes) page.items[s];
  if (scopes.empty()) return page;
  size_t first = 0;
  std::string inner;
  if (!opts.page_token.empty()) {
    IMAGO_RETURN_IF_ERROR(DecodeAggregateToken(opts.page_token, scopes.size(), &first, &inner));
  }
  size_t room = opts.max_results == 0 ? 500 : opts.max_results;
  for (size_t i = first; i < scopes.size(); ++i) {
    ListOptions o = opts;
    o.page_token = i == first ? inner : "";
    o.max_results = static_cast<uint32_t>(room);
    auto part = list(scopes[i], o);
    if (!part.ok()) return part.status();
    std::vector<T>& into = page.items[scopes[i]];
    for (auto& x : part->items) into.push_back(std::move(x));
    room -= part->items.size();
    if (!part->next_page_token.empty()) {
      page.next_page_token = EncodeAggregateToken(i, part->next_page_token);
      return page;
    }
    if (room == 0) {
      if (i + 1 < scopes.size()) page.next_page_token = EncodeAggregateToken(i + 1, "");
      return page;
    }
  }
  return page;
}

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_AGGREGATE_H_
