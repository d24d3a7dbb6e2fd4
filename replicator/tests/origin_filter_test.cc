#include "replicator/origin_filter.h"

#include <gtest/gtest.h>

namespace duplex::replicator {

using Verdict = OriginFilter::Verdict;

TEST(OriginFilter, RecordWithoutOriginIsStampedWithSource) {
  EXPECT_EQ(OriginFilter("east", "west").judge(std::nullopt), Verdict::copy_and_stamp);
}

TEST(OriginFilter, RecordFromSourceIsCopied) {
  EXPECT_EQ(OriginFilter("east", "west").judge("east"), Verdict::copy);
}

TEST(OriginFilter, RecordNeverReturnsToItsOrigin) {
  // Written in west, copied to east, must not come back: both directions of a pair.
  EXPECT_EQ(OriginFilter("east", "west").judge("west"), Verdict::skip_loop);
  EXPECT_EQ(OriginFilter("west", "east").judge("east"), Verdict::skip_loop);
}

TEST(OriginFilter, MeshCopiesOnlyTheSourcesOwnRecords) {
  // Three regions: a record from central that reached east is brought to west by the
  // central->west flow, not again by east->west.
  EXPECT_EQ(OriginFilter("east", "west").judge("central"), Verdict::skip_other_origin);
  EXPECT_EQ(OriginFilter("central", "west").judge("central"), Verdict::copy);
}

TEST(OriginFilter, RepairsAreNeverCopied) {
  // Each region repairs its own topic; a repair's origin says nothing about where it goes.
  EXPECT_EQ(OriginFilter("east", "west").judge(std::nullopt, true), Verdict::skip_repair);
  EXPECT_EQ(OriginFilter("east", "west").judge("east", true), Verdict::skip_repair);
  EXPECT_EQ(OriginFilter("east", "west").judge("east", false), Verdict::copy);
}

}  // namespace duplex::replicator
