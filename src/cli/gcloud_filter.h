// gcloud's --filter expressions, evaluated on the client for what the API's
// filter language cannot say (docs/filters.md):
//
//   name~^app            RE2, matching anywhere in the value (!~: not matching)
//   name:app             contains, case-insensitive; * a wildcard; labels:env has the key
//   labels.env=prod      equal (* a wildcard), != not equal, < <= > >= (numbers as numbers)
//   NOT a  -a  a AND b  a b  a OR b  ( )      OR binds tighter than AND, as gcloud's
//
// A repeated field matches when any element does.
#ifndef IMAGO_CLI_GCLOUD_FILTER_H_
#define IMAGO_CLI_GCLOUD_FILTER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/status.h"

namespace imago::cli {

/// A parsed gcloud filter. Immutable after Parse; not copyable.
class GcloudFilter {
 public:
  struct Node;

  /// Parses `text`. On failure: 400 naming --filter and what was wrong.
  static compute::Result<GcloudFilter> Parse(std::string_view text);

  GcloudFilter();
  ~GcloudFilter();
  GcloudFilter(GcloudFilter&&) noexcept;
  GcloudFilter& operator=(GcloudFilter&&) noexcept;
  GcloudFilter(const GcloudFilter&) = delete;
  GcloudFilter& operator=(const GcloudFilter&) = delete;

  /// True when `resource` (its API JSON) satisfies the expression.
  bool Matches(const nlohmann::json& resource) const;

  /// True when a term means something else to the API (a `~`, or a `:` with
  /// a value other than `*`): the expression must be evaluated here; else
  /// the API can take the text as it is.
  bool needs_client() const { return needs_client_; }

  /// The keys the expression names ("labels.env", "name").
  const std::vector<std::string>& keys() const { return keys_; }

 private:
  std::unique_ptr<Node> root_;
  bool needs_client_ = false;
  std::vector<std::string> keys_;
};

}  // namespace imago::cli

#endif  // IMAGO_CLI_GCLOUD_FILTER_H_
