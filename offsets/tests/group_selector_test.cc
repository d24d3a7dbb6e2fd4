#include "offsets/group_selector.h"

#include <gtest/gtest.h>

namespace duplex::offsets {

TEST(GroupSelector, IncludesExcludesAndNeverDuplexOwnGroups) {
  config::NameFilter filter;
  filter.include = {"pay.*", "orders"};
  filter.exclude = {"pay-test"};
  GroupSelector s(filter);
  EXPECT_TRUE(s.selects("payments"));
  EXPECT_TRUE(s.selects("orders"));
  EXPECT_FALSE(s.selects("orders-2"));  // whole-name match
  EXPECT_FALSE(s.selects("pay-test"));
  EXPECT_FALSE(GroupSelector(config::NameFilter{}).selects("duplex.west.from.east"));
  EXPECT_TRUE(GroupSelector(config::NameFilter{}).selects("anything"));
}

}  // namespace duplex::offsets
