#include "offsets/offset_index.h"

#include <gtest/gtest.h>

namespace duplex::offsets {
namespace {

OffsetRun run(int64_t source, int64_t target, int64_t count) {
  return {"orders", "orders", 0, source, target, count, 0};
}

TEST(OffsetIndex, TranslatesInsideRunsAndAcrossGaps) {
  OffsetIndex index;
  EXPECT_FALSE(index.to_target("orders", 0, 5));
  index.add(run(0, 100, 10));  // source 0..9 -> target 100..109
  index.add(run(12, 115, 5));  // source 10, 11 skipped; target 110..114 others'
  EXPECT_EQ(index.to_target("orders", 0, 0), 100);
  EXPECT_EQ(index.to_target("orders", 0, 9), 109);
  EXPECT_EQ(index.to_target("orders", 0, 10), 115);  // skipped: the next copy
  EXPECT_EQ(index.to_target("orders", 0, 11), 115);
  EXPECT_EQ(index.to_target("orders", 0, 16), 119);
  EXPECT_EQ(index.to_target("orders", 0, 17), 120);  // not copied yet: after the newest copy
  EXPECT_EQ(index.to_target("orders", 0, 500), 120);
  EXPECT_FALSE(index.to_target("orders", 1, 0));
  EXPECT_EQ(index.newest("orders", 0)->source, 12);
}

TEST(OffsetIndex, ANewerVersionOfARunReplacesTheOlder) {
  OffsetIndex index;
  index.add(run(0, 0, 3));
  index.add(run(0, 0, 8));
  EXPECT_EQ(index.runs(), 1u);
  EXPECT_EQ(index.to_target("orders", 0, 7), 7);
}

TEST(OffsetIndex, FindsGapsOnTheTarget) {
  OffsetIndex index;
  EXPECT_EQ(index.first_target_gap("orders", 0, 7), 7);
  index.add(run(0, 0, 10));
  index.add(run(10, 12, 5));   // target 10, 11: not ours
  index.add(run(20, 12, 10));  // a re-copy overlapping the run above
  EXPECT_EQ(index.first_target_gap("orders", 0, 0), 10);
  EXPECT_EQ(index.first_target_gap("orders", 0, 11), 11);
  EXPECT_EQ(index.first_target_gap("orders", 0, 12), 22);
  EXPECT_EQ(index.first_target_gap("orders", 0, 40), 40);
}

TEST(OffsetIndex, StepsOverItsOwnCommitMarkersOnly) {
  OffsetIndex index;
  index.add({"t", "t", 0, 0, 0, 3, 0});
  index.add({"t", "t", 0, 3, 4, 3, 0, /*after_marker=*/true});  // target 3: our marker
  index.add({"t", "t", 0, 6, 8, 2, 0});                         // target 7: another record
  EXPECT_EQ(index.first_target_gap("t", 0, 0), 7);
  EXPECT_EQ(index.first_target_gap("t", 0, 3), 7);
  EXPECT_EQ(index.first_target_gap("t", 0, 8), 10);
}

TEST(OffsetIndex, StepsOverRangesReadEmpty) {
  OffsetIndex index;
  index.add(run(0, 0, 3));
  index.add(run(3, 9, 3));   // target 3..8: an aborted transaction and two markers
  index.add(run(6, 14, 2));  // target 12, 13: records of another writer
  EXPECT_EQ(index.first_target_gap("orders", 0, 0), 3);
  EXPECT_EQ(index.next_copy_on_target("orders", 0, 3), 9);
  index.add_empty("orders", 0, 3, 9);
  EXPECT_EQ(index.first_target_gap("orders", 0, 0), 12);
  EXPECT_EQ(index.first_target_gap("orders", 0, 5), 12);
  EXPECT_EQ(index.next_copy_on_target("orders", 0, 12), 14);
  index.add_empty("orders", 0, 12, 13);  // only part of it: 13 holds a record
  EXPECT_EQ(index.first_target_gap("orders", 0, 0), 13);
  EXPECT_FALSE(index.next_copy_on_target("orders", 0, 14));
  EXPECT_FALSE(index.next_copy_on_target("orders", 1, 0));
}

TEST(OffsetIndex, FindsTheFirstCopyAtOrAfterATargetOffset) {
  OffsetIndex index;
  index.add(run(5, 100, 3));  // source 5..7 -> target 100..102
  index.add(run(9, 110, 2));  // source 9, 10 -> target 110, 111
  EXPECT_EQ(index.first_copy_at_or_after_target("orders", 0, 0), 5);
  EXPECT_EQ(index.first_copy_at_or_after_target("orders", 0, 101), 6);
  EXPECT_EQ(index.first_copy_at_or_after_target("orders", 0, 103), 9);
  EXPECT_EQ(index.first_copy_at_or_after_target("orders", 0, 111), 10);
  EXPECT_FALSE(index.first_copy_at_or_after_target("orders", 0, 112));
}

}  // namespace
}  // namespace duplex::offsets
