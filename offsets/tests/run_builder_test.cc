#include "offsets/run_builder.h"

#include <gtest/gtest.h>

namespace duplex::offsets {
namespace {

TEST(RunBuilder, ContiguousCopiesMakeOneGrowingRun) {
  RunBuilder b("orders", "orders", 0);
  EXPECT_TRUE(b.take_changed().empty());
  for (int64_t i = 0; i < 5; ++i) b.add(i, i + 10, 100 + i);
  auto runs = b.take_changed();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0], (OffsetRun{"orders", "orders", 0, 0, 10, 5, 104}));
  EXPECT_TRUE(b.take_changed().empty());  // nothing new
  b.add(5, 15, 105);
  runs = b.take_changed();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].count, 6);  // same run, same key, longer
}

TEST(RunBuilder, AGapOnEitherSideStartsANewRunAndReportsTheClosedOne) {
  RunBuilder b("orders", "orders", 1);
  b.add(0, 0, 1);
  b.add(1, 1, 1);
  b.add(3, 2, 1);  // source 2 skipped (a loop)
  b.add(4, 5, 1);  // target 3, 4 written by someone else
  auto runs = b.take_changed();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].source, 0);
  EXPECT_EQ(runs[0].count, 2);
  EXPECT_EQ(runs[1].source, 3);
  EXPECT_EQ(runs[1].count, 1);
  EXPECT_EQ(runs[2].source, 4);
  EXPECT_EQ(runs[2].target, 5);
}

TEST(RunBuilder, OnlyTheOneSlotAfterACommittedTransactionIsItsMarker) {
  RunBuilder b("orders", "orders", 0);
  b.add(0, 0, 1);
  b.add(1, 1, 1);
  b.transaction_committed();
  b.add(2, 3, 1);  // target 2: the marker
  b.add(3, 4, 1);
  b.add(4, 6, 1);  // target 5 inside a transaction: someone else's record
  b.transaction_committed();
  b.add(5, 9, 1);  // targets 7, 8 after a commit: a marker and something else
  auto runs = b.take_changed();
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_FALSE(runs[0].after_marker);
  EXPECT_TRUE(runs[1].after_marker);
  EXPECT_EQ(runs[1].target, 3);
  EXPECT_FALSE(runs[2].after_marker);
  EXPECT_FALSE(runs[3].after_marker);
}

TEST(RunBuilder, AClosedRunAlreadyReportedInFullIsNotRepeated) {
  RunBuilder b("t", "t", 0);
  b.add(0, 0, 1);
  ASSERT_EQ(b.take_changed().size(), 1u);
  b.add(5, 1, 1);
  auto runs = b.take_changed();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].source, 5);
}

}  // namespace
}  // namespace duplex::offsets
