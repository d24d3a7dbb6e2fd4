#include "replicator/partition_progress.h"

#include <gtest/gtest.h>

namespace duplex::replicator {

TEST(PartitionProgress, NothingToCommitUntilSettled) {
  PartitionProgress p;
  p.add_pending(10);
  EXPECT_FALSE(p.next_commit().has_value());
  EXPECT_TRUE(p.settle(10));
  EXPECT_EQ(p.next_commit(), 11);
  EXPECT_EQ(p.pending(), 0u);
}

TEST(PartitionProgress, CommitNeverPassesAnUnacknowledgedRecord) {
  PartitionProgress p;
  p.add_pending(0);
  p.add_pending(1);
  p.add_pending(2);
  EXPECT_TRUE(p.settle(2));
  EXPECT_TRUE(p.settle(1));
  EXPECT_FALSE(p.next_commit().has_value());  // 0 is still in flight
  EXPECT_TRUE(p.settle(0));
  EXPECT_EQ(p.next_commit(), 3);
}

TEST(PartitionProgress, SkippedRecordsSettleInOrder) {
  PartitionProgress p;
  p.add_pending(5);
  p.add_settled(6);  // a loop, never written
  p.add_settled(9);  // gaps (transaction markers) are fine
  EXPECT_FALSE(p.next_commit().has_value());
  p.settle(5);
  EXPECT_EQ(p.next_commit(), 10);
  p.add_settled(10);
  EXPECT_EQ(p.next_commit(), 11);
}

TEST(PartitionProgress, StaleOrUnknownReportsAreIgnored) {
  PartitionProgress p;
  p.add_pending(3);
  EXPECT_FALSE(p.settle(2));
  EXPECT_FALSE(p.settle(4));
  EXPECT_TRUE(p.settle(3));
  EXPECT_FALSE(p.settle(3));
}

TEST(PartitionProgress, SettleReturnsTheSourceTimestamp) {
  PartitionProgress p;
  p.add_pending(7, 1700000000123);
  EXPECT_EQ(p.settle(7)->timestamp, 1700000000123);
}

}  // namespace duplex::replicator

namespace duplex::replicator {

TEST(PartitionProgress, ReportsSettledCopiesInSourceOrderWithTheirTargetOffsets) {
  PartitionProgress p;
  p.add_pending(0, 100);
  p.add_settled(1);  // a loop: no copy
  p.add_pending(2, 102);
  EXPECT_TRUE(p.settle(2, 51));
  EXPECT_TRUE(p.take_settled_copies().empty());  // 0 still in flight
  EXPECT_TRUE(p.settle(0, 50));
  auto copies = p.take_settled_copies();
  ASSERT_EQ(copies.size(), 2u);
  EXPECT_EQ(copies[0].offset, 0);
  EXPECT_EQ(copies[0].target_offset, 50);
  EXPECT_EQ(copies[1].offset, 2);
  EXPECT_EQ(copies[1].target_offset, 51);
  EXPECT_EQ(copies[1].timestamp, 102);
  EXPECT_TRUE(p.take_settled_copies().empty());
}

}  // namespace duplex::replicator
