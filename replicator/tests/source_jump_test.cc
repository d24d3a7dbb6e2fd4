#include "replicator/source_jump.h"

#include <gtest/gtest.h>

namespace duplex::replicator {
namespace {

using Kind = SourceJump::Kind;

TEST(SourceJump, TheExpectedOffsetOrAnUnknownStartIsNoJump) {
  EXPECT_EQ(SourceJump::judge(10, 10, 50).kind, Kind::none);
  EXPECT_EQ(SourceJump::judge(std::nullopt, 70, 50).kind, Kind::none);
}

TEST(SourceJump, AHoleTheLogKeepsIsNoLoss) {
  // Transaction markers, aborted records, compaction: the log start is at or below them.
  EXPECT_EQ(SourceJump::judge(10, 14, 0).kind, Kind::none);
  EXPECT_EQ(SourceJump::judge(10, 14, 10).kind, Kind::none);
  EXPECT_EQ(SourceJump::judge(10, 14, std::nullopt).kind, Kind::none);
}

TEST(SourceJump, RecordsBelowTheLogStartAreAGapUpToTheRecordRead) {
  auto jump = SourceJump::judge(10, 40, 40);
  EXPECT_EQ(jump.kind, Kind::gap);
  EXPECT_EQ(jump.from, 10);
  EXPECT_EQ(jump.to, 40);
  EXPECT_EQ(jump.lost(), 30);
  // The log start moved on past the record since: the record itself was read, not lost.
  jump = SourceJump::judge(10, 40, 55);
  EXPECT_EQ(jump.to, 40);
  EXPECT_EQ(jump.lost(), 30);
  // A compaction hole above the log start is not counted.
  jump = SourceJump::judge(10, 40, 25);
  EXPECT_EQ(jump.to, 25);
  EXPECT_EQ(jump.lost(), 15);
}

TEST(SourceJump, AnOffsetBelowTheExpectedOneMeansThePartitionWentBack) {
  auto jump = SourceJump::judge(500, 0, 0);
  EXPECT_EQ(jump.kind, Kind::went_back);
  EXPECT_EQ(jump.from, 500);
  EXPECT_EQ(jump.to, 0);
  EXPECT_EQ(jump.lost(), 0);
}

}  // namespace
}  // namespace duplex::replicator
