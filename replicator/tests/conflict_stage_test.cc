// The conflict stage of the flow east -> west on its own: versions against the key index and
// against its own copies not yet observed, tombstones, readiness, the bound on what it keeps,
// and the audit of what it skips.
#include "replicator/conflict_stage.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "conflict/tests/temp_key_index.h"
#include "replicator/tests/conflict_fakes.h"

namespace duplex::replicator {
namespace {

using conflict::IndexEntry;
using conflict::Version;

constexpr int kEast = 1;  // region_rank: [east, west]
constexpr int kWest = 0;

// Last-writer-wins on orders only.
config::ConflictSettings orders_only() {
  config::ConflictSettings settings;
  settings.topics = {{"orders", config::ConflictPolicy::last_writer_wins}};
  return settings;
}

class ConflictStageTest : public ::testing::Test {
 protected:
  // A record of orders[0] from east (no origin header: the flow's source).
  StageVerdict copy(const std::string& key, int64_t timestamp,
                    std::optional<std::string> value = "v", const std::string& topic = "orders") {
    SourceRecord r;
    r.topic = topic;
    r.offset = next_offset_++;
    r.key = key.data();
    r.key_len = key.size();
    r.value = value ? value->data() : nullptr;
    r.value_len = value ? value->size() : 0;
    r.timestamp = timestamp;
    return stage_.judge(r, topic);
  }
  static bool passed(const StageVerdict& v) { return v.kind == StageVerdict::Kind::pass; }
  static bool skipped(const StageVerdict& v) {
    return v.kind == StageVerdict::Kind::skip && v.reason == SkipReason::conflict;
  }
  // The home topic holds `key` at `timestamp` from `rank`'s region (west: a local write).
  void home_holds(const std::string& key, int64_t timestamp, int rank, bool tombstone = false) {
    index_.put("orders", key,
               {{timestamp, rank}, home_offset_++, tombstone, rank == kEast ? "east" : "west", 7});
  }

  conflict::RegionRanks ranks_{{"east", "west"}};
  conflict::testing::TempKeyIndex index_;
  testing::FakeReadiness readiness_;
  testing::FakeAudit audit_;
  ConflictStage stage_{{orders_only(), ranks_, *index_, readiness_, &audit_}, "east"};
  int64_t next_offset_ = 0;
  int64_t home_offset_ = 0;
};

TEST_F(ConflictStageTest, ACopyIsWrittenOnlyIfNotOlderThanWhatTheHomeTopicHolds) {
  home_holds("a", 100, kWest);
  home_holds("b", 100, kWest);
  home_holds("c", 100, kEast);
  EXPECT_TRUE(skipped(copy("a", 99)));
  EXPECT_TRUE(passed(copy("b", 100))) << "a tie goes to east, listed first";
  EXPECT_TRUE(passed(copy("c", 100))) << "an equal version: a later write of the same region";
  EXPECT_TRUE(passed(copy("a", 101)));
  EXPECT_TRUE(passed(copy("unknown", 1))) << "a key the home topic never had";
}

TEST_F(ConflictStageTest, TombstonesAreVersionsLikeAnyOther) {
  home_holds("k", 200, kWest, /*tombstone=*/true);
  EXPECT_TRUE(skipped(copy("k", 150))) << "an older value does not revive a deleted key";
  EXPECT_TRUE(passed(copy("k", 250, std::nullopt))) << "a newer tombstone";
  EXPECT_TRUE(skipped(copy("k", 240))) << "older than the tombstone just let through";
  EXPECT_TRUE(passed(copy("k", 260)));
}

TEST_F(ConflictStageTest, CopiesOfAKeyInARowAreJudgedAgainstEachOtherBeforeTheReaderSeesThem) {
  EXPECT_TRUE(passed(copy("k", 300)));
  EXPECT_TRUE(skipped(copy("k", 200))) << "the index has nothing yet; the first copy is newer";
  EXPECT_TRUE(passed(copy("k", 300))) << "same version again: a later write of east";
  EXPECT_TRUE(passed(copy("other", 200)));
  EXPECT_EQ(stage_.unobserved(), 2u);
  home_holds("k", 310, kWest);  // observed later: a newer local write landed after them
  EXPECT_TRUE(skipped(copy("k", 305)));
}

TEST_F(ConflictStageTest, ASkipIsAuditedWithBothVersions) {
  home_holds("k", 500, kWest);
  ASSERT_TRUE(skipped(copy("k", 400)));
  ASSERT_EQ(audit_.written.size(), 1u);
  const auto& [key, record] = audit_.written[0];
  EXPECT_EQ(key, "k");
  EXPECT_EQ(record,
            (conflict::AuditRecord{"orders", 0, 0, "east", {400, kEast}, "west", {500, kWest}}));
  EXPECT_EQ(conflict::decode_audit(conflict::encode(record)), record);
  EXPECT_EQ(conflict::encode(record), "1 orders 0 0 east 400 1 west 500 0");
}

TEST_F(ConflictStageTest, OtherTopicsAndRecordsWithoutAKeyPass) {
  home_holds("k", 500, kWest);
  EXPECT_TRUE(passed(copy("k", 1, "v", "payments"))) << "policy none";
  SourceRecord no_key;
  no_key.topic = "orders";
  no_key.timestamp = 1;
  EXPECT_TRUE(passed(stage_.judge(no_key, "orders")));
  EXPECT_TRUE(audit_.written.empty());
}

TEST_F(ConflictStageTest, APartitionWaitsUntilTheReaderHasCaughtUpAndFailsWithIt) {
  readiness_.all_ready = false;
  EXPECT_EQ(copy("k", 1).kind, StageVerdict::Kind::wait);
  EXPECT_EQ(stage_.ready("orders", 0).kind, StageVerdict::Kind::wait);
  EXPECT_EQ(stage_.ready("payments", 0).kind, StageVerdict::Kind::pass) << "not managed";
  readiness_.ready_partitions.insert({"orders", 0});
  EXPECT_EQ(stage_.ready("orders", 0).kind, StageVerdict::Kind::pass);
  EXPECT_TRUE(passed(copy("k", 1)));
  readiness_.failed = "the key index in /x cannot be written";
  auto said = stage_.ready("orders", 1);
  EXPECT_EQ(said.kind, StageVerdict::Kind::fail);
  EXPECT_EQ(said.failure, "conflict resolution stopped: the key index in /x cannot be written");
}

TEST_F(ConflictStageTest, CopiesTheIndexHoldsAreForgottenAndTooManyUnobservedMakeItWait) {
  const size_t max = ConflictStage::kMaxUnobserved;
  for (size_t i = 0; i < max; ++i) ASSERT_TRUE(passed(copy("k" + std::to_string(i), 1000)));
  EXPECT_EQ(copy("one-more", 1000).kind, StageVerdict::Kind::wait) << "the reader is far behind";
  // The reader observes the first 60 %.
  std::vector<conflict::KeyIndex::Update> updates;
  for (size_t i = 0; i < max * 6 / 10; ++i) {
    updates.push_back({"k" + std::to_string(i), {{1000, kEast}, int64_t(i), false, "east", 1}});
  }
  ASSERT_FALSE(index_->advance("orders", 0, int64_t(max), updates));
  StageVerdict said = StageVerdict::wait();
  for (int turn = 0; turn < 10 && said.kind != StageVerdict::Kind::pass; ++turn) {
    said = stage_.ready("orders", 0);
  }
  EXPECT_EQ(said.kind, StageVerdict::Kind::pass);
  EXPECT_LE(stage_.unobserved(), max / 2) << "copies again once half were observed";
  EXPECT_TRUE(passed(copy("one-more", 1000)));
}

}  // namespace
}  // namespace duplex::replicator
