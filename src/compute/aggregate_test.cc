#include "compute/aggregate.h"

#include <gtest/gtest.h>

namespace imago::compute {
namespace {

struct Item {
  std::string name;
};

// Three scopes of 3, 0 and 4 items, each paged by name like a real list.
Result<ListPage<Item>> ListScope(const std::string& scope, const ListOptions& o) {
  std::map<std::string, int> sizes = {{"zones/a", 3}, {"zones/b", 0}, {"zones/c", 4}};
  int start = o.page_token.empty() ? 0 : std::stoi(o.page_token);
  ListPage<Item> page;
  int n = sizes[scope];
  for (int i = start; i < n && page.items.size() < o.max_results; ++i) {
    page.items.push_back({scope + "/" + std::to_string(i)});
    if (page.items.size() == o.max_results && i + 1 < n)
      page.next_page_token = std::to_string(i + 1);
  }
  return page;
}

TEST(AggregateTest, PagesCrossScopesAndEveryScopeHasAnEntry) {
  std::vector<std::string> scopes = {"zones/a", "zones/b", "zones/c"};
  ListOptions o;
  o.max_results = 2;
  std::vector<std::string> seen;
  int pages = 0;
  while (true) {
    auto page = AggregateList<Item>(scopes, o, ListScope);
    ASSERT_TRUE(page.ok()) << page.status().message();
    EXPECT_EQ(page->items.size(), 3u);  // Every scope, empty or not.
    size_t on_page = 0;
    for (const auto& [scope, items] : page->items) {
      for (const auto& it : items) seen.push_back(it.name);
      on_page += items.size();
    }
    EXPECT_LE(on_page, 2u);
    ++pages;
    if (page->next_page_token.empty()) break;
    o.page_token = page->next_page_token;
    ASSERT_LT(pages, 10);
  }
  std::vector<std::string> want = {"zones/a/0", "zones/a/1", "zones/a/2", "zones/c/0",
                                   "zones/c/1", "zones/c/2", "zones/c/3"};
  EXPECT_EQ(seen, want);
}

TEST(AggregateTest, ABadTokenIsA400) {
  ListOptions o;
  o.page_token = "not-a-token";
  auto page = AggregateList<Item>({"zones/a"}, o, ListScope);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().http_code(), 400);
  o.page_token = EncodeAggregateToken(5, "");  // A scope that is not there.
  EXPECT_FALSE(AggregateList<Item>({"zones/a"}, o, ListScope).ok());
  o.page_token = "";
  o.max_results = 501;
  EXPECT_FALSE(AggregateList<Item>({"zones/a"}, o, ListScope).ok());
}

}  // namespace
}  // namespace imago::compute
