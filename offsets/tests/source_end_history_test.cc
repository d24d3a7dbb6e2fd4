#include "offsets/source_end_history.h"

#include <gtest/gtest.h>

namespace duplex::offsets {
namespace {

const SourceEndHistory::Partition kP{"orders", 3};

TEST(SourceEndHistory, TheNewestRoundWhoseEndTheCopiesReachedBoundsTheRest) {
  SourceEndHistory history;
  history.add(kP, 1000, 50);   // idle at 50
  history.add(kP, 2000, 50);   // still idle
  history.add(kP, 3000, 400);  // a burst began
  // Copied through 50: everything from 50 on came after the last round that ended there.
  EXPECT_EQ(history.appended_after(kP, 50), 2000);
  EXPECT_EQ(history.appended_after(kP, 300), 2000);
  EXPECT_EQ(history.appended_after(kP, 400), 3000);
  EXPECT_EQ(history.appended_after(kP, 10), 0) << "no round ended that early: unknown";
  EXPECT_EQ(history.appended_after({"orders", 4}, 50), 0) << "another partition: unknown";
}

TEST(SourceEndHistory, AnUnknownEndIsNotKeptAndAnEndThatWentDownEndsTheSearch) {
  SourceEndHistory history;
  history.add(kP, 1000, 900);
  history.add(kP, 2000, -1);  // not read that round
  history.add(kP, 3000, 20);  // the topic was made again
  history.add(kP, 4000, 60);
  EXPECT_EQ(history.appended_after(kP, 30), 3000);
  EXPECT_EQ(history.appended_after(kP, 10), 0)
      << "the round that ended at 900 says nothing about the new topic's offsets";
  EXPECT_EQ(history.appended_after(kP, 950), 4000);
}

TEST(SourceEndHistory, OnlyTheNewestRoundsAreKept) {
  SourceEndHistory history;
  for (int64_t round = 0; round < 1000; ++round) history.add(kP, round, round);
  EXPECT_EQ(history.appended_after(kP, 999), 999);
  EXPECT_EQ(history.appended_after(kP, 990), 990);
  EXPECT_EQ(history.appended_after(kP, 100), 0) << "that round is long forgotten";
}

}  // namespace
}  // namespace duplex::offsets
