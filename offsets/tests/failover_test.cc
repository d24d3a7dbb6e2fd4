#include "offsets/failover.h"

#include <gtest/gtest.h>

namespace duplex::offsets {
namespace {

constexpr int64_t kNow = 1700000010000;

// A checkpoint taken 4 s before kNow, its newest copy 1.5 s older than that.
Checkpoint checkpoint(int64_t source_end, int64_t copied_end, int64_t at_risk_since) {
  Checkpoint c;
  c.group = "payments";
  c.source_topic = c.target_topic = "orders";
  c.partition = 1;
  c.upstream = 600;
  c.target = c.copied_target = c.local_target = 600;
  c.time_ms = kNow - 4000;
  c.source_end = source_end;
  c.copied_end = copied_end;
  c.at_risk_since = at_risk_since;
  return c;
}

TEST(PlanMove, CountsWhatTheSourceHeldBeyondTheNewestCopy) {
  auto move = plan_move(checkpoint(1000, 960, kNow - 5500), kNow);
  EXPECT_EQ(move.checkpoint.upstream, 600);
  EXPECT_DOUBLE_EQ(move.checkpoint_age_s, 4.0);
  EXPECT_EQ(move.unreplicated, 40);
  EXPECT_EQ(move.rpo_s, 1.5);
}

TEST(PlanMove, EverythingCopiedIsNothingGivenUp) {
  auto move = plan_move(checkpoint(1000, 1000, kNow - 5500), kNow);
  EXPECT_EQ(move.unreplicated, 0);
  EXPECT_EQ(move.rpo_s, 0.0);
}

// The source's high watermark could not be read when the checkpoint was taken (-1): how much
// a failover gives up is unknown, never 0.
TEST(PlanMove, UnknownSourceEndIsUnknownNotZero) {
  auto move = plan_move(checkpoint(-1, 960, kNow - 5500), kNow);
  EXPECT_FALSE(move.unreplicated.has_value()) << *move.unreplicated;
  EXPECT_FALSE(move.rpo_s.has_value()) << *move.rpo_s;
  EXPECT_DOUBLE_EQ(move.checkpoint_age_s, 4.0);  // the rest of the plan is as usual
}

// Records not copied, and no copy at all yet: their count is known, their age is not.
TEST(PlanMove, NoCopyYetLeavesTheRpoInSecondsUnknown) {
  auto move = plan_move(checkpoint(1000, 0, 0), kNow);
  EXPECT_EQ(move.unreplicated, 1000);
  EXPECT_FALSE(move.rpo_s.has_value()) << *move.rpo_s;
}

}  // namespace
}  // namespace duplex::offsets
