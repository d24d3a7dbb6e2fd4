#include "conflict/region_ranks.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace duplex::conflict {
namespace {

TEST(RegionRanks, FirstListedRanksHighest) {
  RegionRanks ranks({"east", "west", "south"});
  EXPECT_EQ(ranks.rank("east"), 2);
  EXPECT_EQ(ranks.rank("west"), 1);
  EXPECT_EQ(ranks.rank("south"), 0);
  // A tie goes to the region listed first.
  EXPECT_GT(*ranks.version(100, "east"), *ranks.version(100, "west"));
  EXPECT_LT(*ranks.version(100, "east"), *ranks.version(101, "south"));
}

TEST(RegionRanks, UnknownRegionHasNoRank) {
  RegionRanks ranks({"east", "west"});
  EXPECT_EQ(ranks.rank("mars"), std::nullopt);
  EXPECT_EQ(ranks.version(100, "mars"), std::nullopt);
  EXPECT_LT(ranks.version_or_lowest(100, "mars"), *ranks.version(100, "west"));
  EXPECT_GT(ranks.version_or_lowest(101, "mars"), *ranks.version(100, "east"));
}

TEST(RegionRanks, RefusesDuplicatesAndEmptyLists) {
  EXPECT_THROW(RegionRanks({"east", "east"}), std::invalid_argument);
  EXPECT_THROW(RegionRanks({}), std::invalid_argument);
}

}  // namespace
}  // namespace duplex::conflict
