// Translation over source offsets that hold no record a consumer sees: transaction commit and
// abort markers, aborted records, records compacted away, and a transaction still open (past
// the last stable offset). MirrorMaker 2: MirrorConnectorsIntegrationTransactionsTest (the whole
// base suite with a transactional source), OffsetSyncStoreTest.testConsistentlySpacedSyncs,
// testRandomlySpacedSyncs and testDroppedSyncsSpacing (syncs spaced by gaps). Where MirrorMaker 2
// accepts a translation within offset.lag.max of the truth, these ask for the exact one at every
// committed offset: nothing the group had not read is skipped, nothing it read is read again.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "offsets/offset_index.h"
#include "offsets/run_builder.h"
#include "offsets/translation.h"

namespace duplex::offsets {
namespace {

// What one offset of the source partition holds, as a read_committed reader (the flow, and the
// group) sees it.
enum class Slot {
  kRecord,     // committed (or not transactional): read and copied
  kMarker,     // a transaction's commit or abort marker: read by no one
  kAborted,    // a record of an aborted transaction: skipped by read_committed readers
  kCompacted,  // removed by compaction before it was copied
  kOpen,       // a record of a transaction still open: past the last stable offset
};

struct Copy {
  int64_t source;
  int64_t target;
};

// The flow copies the source's visible records from the beginning up to `until` (never past
// the last stable offset: the first open record), into a target where, when `target_markers`,
// its own transactions (exactly-once) commit every third copy, each with a marker after it.
std::vector<Copy> copy(const std::vector<Slot>& log, size_t until, bool target_markers,
                       OffsetIndex& index) {
  RunBuilder runs("orders", "orders", 0);
  std::vector<Copy> copies;
  int64_t target = 0;
  for (size_t i = 0; i < until && i < log.size(); ++i) {
    if (log[i] == Slot::kOpen) break;
    if (log[i] != Slot::kRecord) continue;
    runs.add(static_cast<int64_t>(i), target, 0);
    copies.push_back({static_cast<int64_t>(i), target});
    ++target;
    if (target_markers && copies.size() % 3 == 0) {
      runs.transaction_committed();
      ++target;
    }
  }
  for (const auto& run : runs.take_changed()) index.add(run);
  return copies;
}

// For every offset the group may have committed (0 through the log's end), the translation
// neither skips nor re-reads a copy, and is the target offset of the first copy the group had
// not read (after the last copy when it read them all).
void expect_exact(const std::vector<Slot>& log, size_t until, bool target_markers,
                  const std::string& what) {
  OffsetIndex index;
  const auto copies = copy(log, until, target_markers, index);
  const int64_t target_end = copies.empty() ? 0 : copies.back().target + 1;
  for (int64_t upstream = 0; upstream <= static_cast<int64_t>(log.size()); ++upstream) {
    const Translation t = translate(index, {}, "orders", "orders", 0, upstream);
    const Translation on_target = translate_on_target(index, {}, "orders", "orders", 0, upstream);
    int64_t skipped = 0, reread = 0;
    int64_t expected = target_end;
    for (const auto& c : copies) {
      const bool consumed = c.source < upstream;  // the group read every visible record below
      if (c.target < t.target && !consumed) ++skipped;
      if (c.target >= t.target && consumed) ++reread;
      if (!consumed && c.target < expected) expected = c.target;
    }
    ASSERT_EQ(skipped, 0) << what << ", upstream " << upstream;
    ASSERT_EQ(reread, 0) << what << ", upstream " << upstream;
    ASSERT_EQ(t.target, copies.empty() ? 0 : expected) << what << ", upstream " << upstream;
    ASSERT_LE(t.target, target_end) << what << ", upstream " << upstream;
    ASSERT_EQ(on_target.target, t.target) << what << ", upstream " << upstream;
  }
}

constexpr Slot R = Slot::kRecord;
constexpr Slot M = Slot::kMarker;
constexpr Slot A = Slot::kAborted;
constexpr Slot C = Slot::kCompacted;
constexpr Slot O = Slot::kOpen;

TEST(TranslationGaps, CommitMarkersBetweenTransactions) {
  // Three transactions of three records, each followed by its commit marker; a group that read
  // a transaction commits the marker's offset, one past the marker, or anything between.
  expect_exact({R, R, R, M, R, R, R, M, R, R, R, M}, 12, false, "committed transactions");
  // An exactly-once flow's own markers on the target are no records either: before runs said
  // so, translation stopped at the first one (a group re-read everything after the first
  // transaction).
  expect_exact({R, R, R, M, R, R, R, M, R, R, R, M}, 12, true, "into an exactly-once target");
}

TEST(TranslationGaps, AbortedTransactionsAreNeitherCopiedNorCounted) {
  expect_exact({R, R, M, A, A, A, M, R, R, M, A, M}, 12, false, "aborted in the middle and last");
  expect_exact({A, A, M, R, M}, 5, false, "aborted first");
}

TEST(TranslationGaps, ATransactionStillOpenAtFailover) {
  // The flow stops at the last stable offset; a group that read past it (read_uncommitted)
  // goes no further than the last copy, a read_committed one commits the LSO at most.
  expect_exact({R, R, R, M, O, O, O}, 7, false, "open transaction last");
  expect_exact({R, M, O, R, O}, 5, false, "open transaction interleaved with plain writes");
}

TEST(TranslationGaps, CompactionHolesBeforeCopying) {
  expect_exact({C, C, R, C, R, R, C, C, C, R, C}, 11, false, "compacted");
  expect_exact({C, C, C}, 3, false, "everything compacted away");
}

TEST(TranslationGaps, AGroupAheadOfTheCopyGoesNoFurtherThanTheTargetsEnd) {
  const std::vector<Slot> log = {R, R, M, R, R, M, C, R, A, M, R, R};
  for (size_t until = 0; until <= log.size(); ++until) {
    expect_exact(log, until, false, "copied up to " + std::to_string(until));
    expect_exact(log, until, true, "exactly-once, copied up to " + std::to_string(until));
  }
}

TEST(TranslationGaps, RandomMixesOfAllGaps) {
  for (unsigned seed = 0; seed < 200; ++seed) {
    std::mt19937 rng(seed);
    std::vector<Slot> log;
    while (log.size() < 120) {
      switch (rng() % 5) {
        case 0: {  // a committed transaction
          for (unsigned n = 1 + rng() % 4; n > 0; --n) log.push_back(R);
          log.push_back(M);
          break;
        }
        case 1: {  // an aborted one
          for (unsigned n = 1 + rng() % 4; n > 0; --n) log.push_back(A);
          log.push_back(M);
          break;
        }
        case 2:
          log.push_back(C);
          break;
        default:
          log.push_back(R);
          break;
      }
    }
    if (seed % 2) {  // a transaction open at the end
      for (unsigned n = 1 + rng() % 5; n > 0; --n) log.push_back(O);
    }
    const size_t until = rng() % (log.size() + 1);
    expect_exact(log, until, seed % 3 == 0, "seed " + std::to_string(seed));
  }
}

}  // namespace
}  // namespace duplex::offsets
