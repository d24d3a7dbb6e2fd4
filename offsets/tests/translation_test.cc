#include "offsets/translation.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

#include "offsets/run_builder.h"

namespace duplex::offsets {
namespace {

// A model of two regions writing one topic partition and copying it to each other: the logs,
// both flows' offset-sync runs, and the reverse flow's commit. Records are named by id; an id
// is written once, in one region, and may be copied to the other. With last-writer-wins, some
// local records are never copied: repairs, and writes the other region's conflict stage skips.
struct Region {
  struct Entry {
    int id;
    bool local;        // written here, not a copy
    bool kept = true;  // copied by the flow out of here (a local record)
  };
  std::vector<Entry> log;
  size_t copied_from = 0;  // the flow out of this region: next record to look at
};

struct TwoRegions {
  Region source, target;
  RunBuilder forward{"orders", "orders", 0};  // source -> target
  RunBuilder reverse{"orders", "orders", 0};  // target -> source
  int next_id = 0;

  // Copies the next record of `from` into `to` unless it came from `to` (a loop) or is not
  // kept (last-writer-wins).
  static void copy_one(Region& from, Region& to, RunBuilder& runs) {
    const auto& e = from.log[from.copied_from];
    if (e.local && e.kept) {
      runs.add(static_cast<int64_t>(from.copied_from), static_cast<int64_t>(to.log.size()), 0);
      to.log.push_back({e.id, false});
    }
    from.copied_from++;
  }

  // `not_kept`: one local record in that many is never copied (0: all are).
  void step(std::mt19937& rng, bool target_writes, unsigned not_kept = 0) {
    auto kept = [&] { return not_kept == 0 || rng() % not_kept != 0; };
    switch (rng() % 4) {
      case 0:
        source.log.push_back({next_id++, true, kept()});
        break;
      case 1:
        if (target_writes) target.log.push_back({next_id++, true, kept()});
        break;
      case 2:
        if (source.copied_from < source.log.size()) copy_one(source, target, forward);
        break;
      default:
        if (target.copied_from < target.log.size()) copy_one(target, source, reverse);
        break;
    }
  }
};

struct Outcome {
  bool skipped = false;  // an unconsumed record lies before the translated offset
  int64_t rereads = 0;   // consumed records at or after it
  // What failover counts: copies below copied_target, and local_rereads (a version 1
  // checkpoint without it: local records below local_target, `counted_v1`).
  int64_t counted = 0;
  int64_t counted_v1 = 0;
};

Outcome check(const TwoRegions& r, const Translation& t, int64_t upstream) {
  std::set<int> consumed;
  for (int64_t i = 0; i < upstream; ++i) consumed.insert(r.source.log[i].id);
  Outcome o;
  o.counted = t.local_rereads.value_or(0);
  for (int64_t i = 0; i < static_cast<int64_t>(r.target.log.size()); ++i) {
    const auto& e = r.target.log[i];
    bool was_consumed = consumed.count(e.id) > 0;
    // A local record never copied is superseded on the source: the group need not read it.
    if (i < t.target && !was_consumed && e.kept) o.skipped = true;
    if (i >= t.target && was_consumed) o.rereads++;
    if (i >= t.target && !e.local && i < t.copied_target) o.counted++;
    if (i >= t.target && ((!e.local && i < t.copied_target) || (e.local && i < t.local_target))) {
      o.counted_v1++;
    }
  }
  return o;
}

// Adds the re-reads over all seeds and offsets to `total_rereads`, so a test can see that the
// model exercised them, and the difference the version 1 count makes to `v1_error`.
void run_model(bool target_writes, bool commit_lags, int seeds, int64_t& total_rereads,
               unsigned not_kept = 0, int64_t* v1_error = nullptr) {
  for (int seed = 0; seed < seeds; ++seed) {
    std::mt19937 rng(seed);
    TwoRegions r;
    for (int i = 0; i < 400; ++i) r.step(rng, target_writes, not_kept);
    OffsetIndex forward, reverse;
    for (const auto& run : r.forward.take_changed()) forward.add(run);
    for (const auto& run : r.reverse.take_changed()) reverse.add(run);
    int64_t committed = static_cast<int64_t>(r.target.copied_from);
    if (commit_lags && committed > 0) committed -= static_cast<int64_t>(rng() % committed);
    for (int64_t upstream = 0; upstream <= static_cast<int64_t>(r.source.log.size()); ++upstream) {
      auto t = translate(forward, {&reverse, committed}, "orders", "orders", 0, upstream);
      auto o = check(r, t, upstream);
      total_rereads += o.rereads;
      ASSERT_FALSE(o.skipped) << "seed " << seed << " upstream " << upstream;
      if (!target_writes) {
        ASSERT_EQ(o.rereads, 0) << "seed " << seed << " upstream " << upstream;
      }
      // Exact even when the reverse commit lags, as long as its runs are visible.
      ASSERT_EQ(o.counted, o.rereads) << "seed " << seed << " upstream " << upstream;
      if (v1_error) *v1_error += o.counted_v1 - o.rereads;
    }
  }
}

TEST(Translation, PassiveStandbyIsExact) {
  int64_t rereads = 0;
  run_model(false, false, 50, rereads);
  EXPECT_EQ(rereads, 0);
}

TEST(Translation, ActiveActiveNeverSkipsAndCountsEveryReRead) {
  int64_t rereads = 0;
  run_model(true, false, 200, rereads);
  EXPECT_GT(rereads, 0);
}

TEST(Translation, ActiveActiveWithALaggingReverseCommitStaysExact) {
  int64_t rereads = 0;
  run_model(true, true, 200, rereads);
  EXPECT_GT(rereads, 0);
}

// Last-writer-wins: a tenth of the local records are never copied (repairs, and writes the
// other region's conflict stage skipped). Nothing the group needs is skipped, and the re-reads
// are still counted exactly; counting every local record below local_target (as version 1
// checkpoints make failover do) counts some that the group never read.
TEST(Translation, RecordsNeverCopiedAreNeitherSkippedNorCountedAsReReads) {
  for (bool commit_lags : {false, true}) {
    int64_t rereads = 0, v1_error = 0;
    run_model(true, commit_lags, 200, rereads, 10, &v1_error);
    EXPECT_GT(rereads, 0);
    EXPECT_GT(v1_error, 0) << "the model never put an uncopied record below local_target";
  }
}

TEST(Translation, WithoutAReverseFlowTheFirstForeignRecordBoundsTheTranslation) {
  OffsetIndex forward;
  forward.add({"orders", "orders", 0, 0, 0, 100, 0});  // target 0..99 are copies
  auto t = translate(forward, {}, "orders", "orders", 0, 60);
  EXPECT_EQ(t.target, 60);
  EXPECT_EQ(t.copied_target, 60);
  EXPECT_EQ(t.local_target, 100);
  // Rename mode: same runs under another target name.
  t = translate(forward, {}, "orders", "east.orders", 0, 100);
  EXPECT_EQ(t.target, 100);
}

// `duplex offsets translate --group`: on the target alone, target-origin records interleave
// with the copies; the group's checkpoints at or before the offset say which of them it read.
TEST(Translation, OnTheTargetAGroupsCheckpointsBoundTheLocalRecordsFromBelow) {
  OffsetIndex forward;
  forward.add({"orders", "orders", 0, 0, 0, 50, 0});    // source 0..49 -> target 0..49
  forward.add({"orders", "orders", 0, 50, 60, 50, 0});  // target 50..59: written on the target
  Checkpoint read_locals;  // the group had read target 50..59 (their copies) before 70
  read_locals.group = "payments";
  read_locals.source_topic = read_locals.target_topic = "orders";
  read_locals.upstream = 70;
  read_locals.local_target = read_locals.target = read_locals.copied_target = 60;
  Checkpoint later = read_locals;  // after the offset asked for: says nothing about it
  later.upstream = 95;
  later.local_target = later.target = later.copied_target = 110;
  Checkpoint other_partition = later;
  other_partition.partition = 1;
  other_partition.upstream = 10;

  // Without the group's checkpoints the first target-origin record bounds it.
  auto t = translate_on_target(forward, {}, "orders", "orders", 0, 80);
  EXPECT_EQ(t.copied_target, 90);
  EXPECT_EQ(t.local_target, 50);
  EXPECT_EQ(t.target, 50);
  EXPECT_EQ(t.target, translate(forward, {}, "orders", "orders", 0, 80).target);

  t = translate_on_target(forward, {read_locals, later, other_partition}, "orders", "orders", 0,
                          80);
  EXPECT_EQ(t.copied_target, 90);
  EXPECT_EQ(t.local_target, 60);
  EXPECT_EQ(t.target, 60);
  // Before the checkpoint's offset, it bounds nothing.
  EXPECT_EQ(translate_on_target(forward, {read_locals}, "orders", "orders", 0, 65).target, 50);
}

}  // namespace
}  // namespace duplex::offsets
