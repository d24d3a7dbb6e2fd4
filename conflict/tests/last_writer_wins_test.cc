#include "conflict/last_writer_wins.h"

#include <gtest/gtest.h>

namespace duplex::conflict {
namespace {

IndexEntry entry(int64_t timestamp, int rank, bool tombstone = false, uint64_t digest = 7) {
  IndexEntry e;
  e.version = {timestamp, rank};
  e.tombstone = tombstone;
  e.digest = digest;
  return e;
}

TEST(DecideCopy, WrittenWhenTheKeyIsUnknown) {
  EXPECT_EQ(decide_copy(std::nullopt, {5, 0}), CopyDecision::write);
}

TEST(DecideCopy, WrittenWhenNewerSkippedWhenOlder) {
  EXPECT_EQ(decide_copy(entry(100, 0), {101, 0}), CopyDecision::write);
  EXPECT_EQ(decide_copy(entry(100, 0), {99, 1}), CopyDecision::skip);
}

TEST(DecideCopy, RankBreaksATie) {
  EXPECT_EQ(decide_copy(entry(100, 0), {100, 1}), CopyDecision::write);
  EXPECT_EQ(decide_copy(entry(100, 1), {100, 0}), CopyDecision::skip);
}

// Equal versions come from one region, where the later record won: so does its copy.
TEST(DecideCopy, AnEqualVersionIsWritten) {
  EXPECT_EQ(decide_copy(entry(100, 1), {100, 1}), CopyDecision::write);
}

TEST(DecideCopy, TombstonesAreVersionsLikeAnyOther) {
  EXPECT_EQ(decide_copy(entry(100, 0, true), {99, 0}), CopyDecision::skip);
  EXPECT_EQ(decide_copy(entry(100, 0, true), {101, 0}), CopyDecision::write);
  EXPECT_EQ(decide_copy(entry(100, 0), {101, 0}), CopyDecision::write);  // a newer tombstone
}

TEST(Observe, FirstRecordOfAKeyIsTheNewest) {
  EXPECT_EQ(observe(std::nullopt, {{5, 0}}), Observation::newest);
}

TEST(Observe, NewerOrEqualIsTheNewestOlderNeedsARepair) {
  EXPECT_EQ(observe(entry(100, 0), {{101, 0}}), Observation::newest);
  EXPECT_EQ(observe(entry(100, 0), {{100, 0}}), Observation::newest);
  EXPECT_EQ(observe(entry(100, 1), {{100, 0}}), Observation::repair);
  EXPECT_EQ(observe(entry(100, 0), {{99, 1}}), Observation::repair);
}

TEST(Observe, AnOlderTombstoneLosesAndANewerOneWins) {
  EXPECT_EQ(observe(entry(100, 0), {{99, 0}}), Observation::repair);
  EXPECT_EQ(observe(entry(100, 0, true), {{99, 0}}), Observation::repair);
  EXPECT_EQ(observe(entry(100, 0, true), {{101, 0}}), Observation::newest);
}

// A repair has the version of what it copies: observing a repair of the newest changes nothing
// but where the newest sits.
TEST(Observe, ARepairOfTheNewestIsTheNewest) {
  EXPECT_EQ(observe(entry(100, 1, false, 42), {{100, 1}, true, 42}), Observation::newest);
}

// A repair of an older record with the same version (written before the newest was observed)
// is a loser, and is repaired in turn.
TEST(Observe, ARepairOfAnOlderEqualVersionIsALoser) {
  EXPECT_EQ(observe(entry(100, 1, false, 42), {{100, 1}, true, 41}), Observation::repair);
  EXPECT_EQ(observe(entry(100, 1, false, 42), {{99, 1}, true, 41}), Observation::repair);
}

}  // namespace
}  // namespace duplex::conflict
