// The checkpointer against two in-process mock clusters: a checkpoint counts only once the
// target acknowledged it, and a source end it could not read is recorded as unknown. The
// MirrorMaker 2 scenarios (docs/mm2-parity.md) name the MirrorMaker 2 test they come from: no
// checkpoint for a partition nothing was copied from, a group at 0 on an empty partition, a
// group ahead of or rewound behind replication, and a cold start or restart that cannot read
// the offset syncs to their end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "kafka/client_factory.h"
#include "kafka/group_admin.h"
#include "kafka/mock_cluster.h"
#include "kafka/timestamps.h"
#include "metrics/exposition.h"
#include "offsets/failover.h"
#include "offsets/offset_records.h"
#include "offsets/offset_translator.h"
#include "replicator/checkpointer.h"
#include "tests/support/group_consumer.h"
#include "tests/support/test_records.h"

namespace duplex {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kGroup = "app";

class CheckpointerMock : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(getenv("DUPLEX_TEST_LOG") ? spdlog::level::info : spdlog::level::warn);
    east_.create_topic("orders", 2);
    east_.create_duplex_topics({"west"});
    west_.create_duplex_topics({"east"});
    config_.region = "west";
    config_.clusters["west"] = {{"bootstrap.servers", west_.bootstrap()}};
    config_.clusters["east"] = {{"bootstrap.servers", east_.bootstrap()}};
    config::Flow flow;
    flow.source = "east";
    config_.flows.push_back(flow);

    // The application's group has read 30 + 20 records of east's orders.
    std::vector<testing::TestRecord> records(100);
    for (size_t i = 0; i < records.size(); ++i) {
      records[i].partition = static_cast<int32_t>(i % 2);
      records[i].value = "order-" + std::to_string(i);
    }
    testing::produce_records(east_.bootstrap(), "orders", records);
    auto client = kafka::make_client(
        "east", RD_KAFKA_PRODUCER,
        kafka::make_conf("east", config_.clusters["east"], {{"client.id", "test"}}));
    kafka::GroupAdmin admin(client.get(), "east", config_.clusters["east"]);
    ASSERT_FALSE(admin.alter(kGroup, {{{"orders", 0}, 30}, {{"orders", 1}, 20}}, 10s));
  }

  // `east` -> `west` copies of orders: runs of (partition, source, target, count).
  void write_runs(const std::vector<offsets::OffsetRun>& runs) {
    std::vector<testing::TestRecord> records;
    for (auto run : runs) {
      run.source_topic = run.source_topic.empty() ? "orders" : run.source_topic;
      run.target_topic = run.source_topic;
      testing::TestRecord r;
      r.partition = 0;
      r.key = offsets::run_key(run);
      r.value = offsets::encode(run);
      records.push_back(r);
    }
    testing::produce_records(west_.bootstrap(), "duplex.offset-syncs.east", records);
  }

  // A group's committed offsets on `cluster`, set as an application's commit would.
  void commit(kafka::MockCluster& cluster, const std::string& group,
              const kafka::GroupOffsets& offsets) {
    testing::commit_offsets(cluster.bootstrap(), group, offsets);
  }

  kafka::GroupOffsets committed_on_west(const std::string& group, const std::string& topic,
                                        int partitions) {
    kafka::Properties props = {{"bootstrap.servers", west_.bootstrap()}};
    auto client = kafka::make_client("test", RD_KAFKA_PRODUCER,
                                     kafka::make_conf("test", props, {{"client.id", "test"}}));
    auto offsets =
        kafka::GroupAdmin(client.get(), "west", props).committed(group, {{topic, partitions}}, 10s);
    EXPECT_TRUE(std::holds_alternative<kafka::GroupOffsets>(offsets));
    return std::holds_alternative<kafka::GroupOffsets>(offsets) ? std::get<0>(offsets)
                                                                : kafka::GroupOffsets{};
  }

  std::unique_ptr<replicator::Checkpointer> checkpointer() {
    return std::make_unique<replicator::Checkpointer>(config_, config_.flows[0], stop_, metrics_,
                                                      std::vector<std::string>{kGroup});
  }

  // The newest checkpoints on west, as failover reads them.
  std::map<std::string, offsets::Checkpoint> stored_checkpoints() {
    offsets::Failover failover(config_, "east", 10s);
    EXPECT_FALSE(failover.read_checkpoints());
    return failover.checkpoints();
  }

  kafka::MockCluster east_;
  kafka::MockCluster west_;
  config::Config config_;
  std::atomic<bool> stop_{false};
  metrics::ReplicationMetrics metrics_{"test"};
};

TEST_F(CheckpointerMock, CheckpointsCountOnlyOnceTheTargetAcknowledgedThem) {
  west_.create_topic("orders", 2);
  write_runs({{"", "", 0, 0, 0, 50}, {"", "", 1, 0, 0, 50}});
  auto c = checkpointer();
  const metrics::Labels checkpoint_errors = {{"flow", "east->west"}, {"kind", "checkpoint"}};
  // The target refuses the round's checkpoint records for good.
  west_.fail_next(kafka::MockCluster::kProduce, RD_KAFKA_RESP_ERR_INVALID_RECORD);
  EXPECT_TRUE(c->round());
  EXPECT_EQ(c->checkpoints_written(), 0u) << "a rejected checkpoint was counted as written";
  std::string text = metrics_.serialize();
  EXPECT_EQ(metrics::sum_samples(text, "duplex_errors_total", checkpoint_errors), 2) << text;
  EXPECT_THAT(text, Not(HasSubstr("duplex_checkpoint_age_seconds{"))) << "age reset by a failure";
  EXPECT_TRUE(stored_checkpoints().empty());

  // The next round is acknowledged: counted, and the group's age starts.
  EXPECT_TRUE(c->round());
  EXPECT_EQ(c->checkpoints_written(), 2u);
  text = metrics_.serialize();
  EXPECT_EQ(metrics::sum_samples(text, "duplex_errors_total", checkpoint_errors), 2) << text;
  EXPECT_LT(metrics::sum_samples(text, "duplex_checkpoint_age_seconds", {{"group", kGroup}}), 5)
      << text;
  EXPECT_THAT(text, HasSubstr("duplex_checkpoint_age_seconds{"));
  auto stored = stored_checkpoints();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored.at("app/orders/0").upstream, 30);
  EXPECT_EQ(stored.at("app/orders/1").upstream, 20);
}

// A round reads the groups several at a time and waits for all their checkpoints at once
// (issue 16: 1,000 groups one after the other took longer than the interval): every group
// still gets its own checkpoints, its age, and the round its duration.
TEST_F(CheckpointerMock, ManyGroupsAreEachCheckpointedInOneTimedRound) {
  west_.create_topic("orders", 2);
  write_runs({{"", "", 0, 0, 0, 50}, {"", "", 1, 0, 0, 50}});
  std::vector<std::string> groups = {kGroup};
  for (int g = 0; g < 40; ++g) {
    groups.push_back("g" + std::to_string(g));
    commit(east_, groups.back(), {{{"orders", 0}, g}, {{"orders", 1}, 50 - g}});
  }
  replicator::Checkpointer c(config_, config_.flows[0], stop_, metrics_, groups);
  ASSERT_TRUE(c.round());
  EXPECT_EQ(c.checkpoints_written(), 2 * groups.size());
  const auto stored = stored_checkpoints();
  ASSERT_EQ(stored.size(), 2 * groups.size());
  for (int g = 0; g < 40; ++g) {
    const std::string group = "g" + std::to_string(g);
    EXPECT_EQ(stored.at(group + "/orders/0").upstream, g);
    EXPECT_EQ(stored.at(group + "/orders/0").target, g);  // one run from 0 to 0: same offsets
    EXPECT_EQ(stored.at(group + "/orders/1").upstream, 50 - g);
  }
  EXPECT_EQ(stored.at("app/orders/0").upstream, 30);
  const std::string text = metrics_.serialize();
  EXPECT_EQ(metrics::count_samples(text, "duplex_checkpoint_age_seconds"),
            static_cast<int>(groups.size()))
      << text;
  EXPECT_EQ(metrics::sum_samples(text, "duplex_checkpoint_round_seconds_count"), 1) << text;
}

// After an idle source, the newest copy is old: the records of a burst were not all that old.
// An earlier round whose end the copies reached bounds them instead (the bench's failover dry
// runs read an RPO of 21 s at the start of a burst that was about one round old).
TEST_F(CheckpointerMock, RecordsAfterAnIdleTimeAreAtRiskOnlySinceTheRoundThatSawThemMissing) {
  west_.create_topic("orders", 2);
  const int64_t an_hour_ago = kafka::now_ms() - 3600 * 1000;
  write_runs({{"", "", 0, 0, 0, 50, an_hour_ago}, {"", "", 1, 0, 0, 50, an_hour_ago}});
  auto c = checkpointer();
  ASSERT_TRUE(c->round());  // everything copied: nothing at risk
  const auto before = stored_checkpoints().at("app/orders/0");
  EXPECT_EQ(before.source_end, 50);
  EXPECT_EQ(offsets::plan_move(before, before.time_ms).rpo_s, 0);

  std::vector<testing::TestRecord> burst(10);  // not copied yet
  for (auto& r : burst) r.partition = 0;
  testing::produce_records(east_.bootstrap(), "orders", burst);
  ASSERT_TRUE(c->round());
  const auto after = stored_checkpoints().at("app/orders/0");
  EXPECT_EQ(after.source_end, 60);
  EXPECT_EQ(after.copied_end, 50);
  EXPECT_EQ(after.at_risk_since, before.time_ms)
      << "the burst came after the round that read the end at 50, not an hour ago";
  const auto move = offsets::plan_move(after, after.time_ms);
  ASSERT_TRUE(move.rpo_s.has_value());
  EXPECT_LT(*move.rpo_s, 60) << "the RPO of a burst after an hour's idle";
  // The other partition got nothing new: still nothing at risk.
  EXPECT_EQ(offsets::plan_move(stored_checkpoints().at("app/orders/1"), after.time_ms).rpo_s, 0);
}

TEST_F(CheckpointerMock, UnreadableSourceEndIsRecordedAsUnknown) {
  west_.create_topic("orders", 2);
  write_runs({{"", "", 0, 0, 0, 50}, {"", "", 1, 0, 0, 50}});
  auto c = checkpointer();
  // Every ListOffsets on east fails for a while: the reverse flow's reader (whose topic then
  // looks missing, which is normal) and the source's high watermarks.
  for (int i = 0; i < 50; ++i) {
    east_.fail_next(kafka::MockCluster::kListOffsets, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  }
  EXPECT_TRUE(c->round());
  EXPECT_EQ(c->checkpoints_written(), 2u);
  auto stored = stored_checkpoints();
  ASSERT_EQ(stored.size(), 2u);
  for (const auto& [key, checkpoint] : stored) {
    EXPECT_EQ(checkpoint.source_end, -1) << key;
    auto move = offsets::plan_move(checkpoint, checkpoint.time_ms);
    EXPECT_FALSE(move.unreplicated.has_value()) << key << ": " << *move.unreplicated;
  }
}

// MirrorMaker 2: MirrorConnectorsIntegrationBaseTest.testNoCheckpointsIfNoRecordsAreMirrored,
// MirrorCheckpointTaskTest.testNoCheckpointForTopicWithoutOffsetSyncs. A partition nothing was
// copied from (no run, no commit of the flow) gets no checkpoint, nor does a topic missing on
// the target: where the group's records will land there is unknown, a checkpoint would guess.
// Once copies exist, the next round writes it.
TEST_F(CheckpointerMock, NoCheckpointForAPartitionNothingWasCopiedFromYet) {
  west_.create_topic("orders", 2);
  east_.create_topic("unmirrored", 1);  // copied nowhere: no such topic on west
  std::vector<testing::TestRecord> records(10);
  for (auto& r : records) r.value = "u";
  testing::produce_records(east_.bootstrap(), "unmirrored", records);
  commit(east_, kGroup, {{{"unmirrored", 0}, 10}});
  write_runs({{"", "", 0, 0, 0, 50}});  // orders[0] copied; orders[1] not yet
  auto c = checkpointer();
  ASSERT_TRUE(c->round());
  auto stored = stored_checkpoints();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored.at("app/orders/0").target, 30);
  EXPECT_EQ(c->checkpoints_written(), 1u);

  write_runs({{"", "", 1, 0, 0, 50}});
  ASSERT_TRUE(c->round());
  stored = stored_checkpoints();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored.at("app/orders/1").target, 20);
  EXPECT_FALSE(stored.count("app/unmirrored/0"));
}

// MirrorMaker 2: MirrorConnectorsIntegrationBaseTest.testReplicationWithEmptyPartition. A group
// at 0 on a partition that never held a record fails over to 0 there: not left out (the
// consumer's auto.offset.reset would decide), not -1, no re-reads. A partition the group never
// committed gets nothing
// (MirrorCheckpointTaskTest.testNoCheckpointForTopicWithNullOffsetAndMetadata).
TEST_F(CheckpointerMock, AGroupAtZeroOnAnEmptyPartitionFailsOverToZero) {
  east_.create_topic("quiet", 3);
  west_.create_topic("quiet", 3);
  std::vector<testing::TestRecord> records(40);
  for (auto& r : records) r.value = "q";  // all to partition 0
  testing::produce_records(east_.bootstrap(), "quiet", records);
  write_runs({{"quiet", "", 0, 0, 0, 40}});
  commit(east_, kGroup, {{{"quiet", 0}, 40}, {{"quiet", 1}, 0}});
  auto c = checkpointer();
  ASSERT_TRUE(c->round());
  auto stored = stored_checkpoints();
  ASSERT_TRUE(stored.count("app/quiet/1"));
  EXPECT_FALSE(stored.count("app/quiet/2")) << "a partition the group never committed";
  const auto& empty = stored.at("app/quiet/1");
  EXPECT_EQ(empty.upstream, 0);
  EXPECT_EQ(empty.target, 0);
  EXPECT_EQ(empty.source_end, 0);
  EXPECT_EQ(offsets::plan_move(empty, empty.time_ms).unreplicated, 0);

  offsets::Failover failover(config_, "east", 10s);
  ASSERT_FALSE(failover.read_checkpoints());
  auto plan = failover.plan({kGroup}, std::nullopt, /*check_members=*/false);
  ASSERT_TRUE(std::holds_alternative<offsets::FailoverPlan>(plan));
  for (const auto& move : std::get<offsets::FailoverPlan>(plan).moves) {
    EXPECT_EQ(move.rereads, 0) << offsets::checkpoint_key(move.checkpoint);
  }
  ASSERT_FALSE(failover.apply(std::get<offsets::FailoverPlan>(plan)));
  auto moved = committed_on_west(kGroup, "quiet", 3);
  EXPECT_EQ(moved, (kafka::GroupOffsets{{{"quiet", 0}, 40}, {{"quiet", 1}, 0}}));
}

// MirrorMaker 2: MirrorConnectorsIntegrationBaseTest.testOffsetTranslationBehindReplicationFlow,
// OffsetSyncStoreTest.testOffsetTranslation. A group that committed past what was copied goes
// to the target's end, no further (the rest is not there); when the group advances the
// checkpoint does, and when it is rewound on the source the checkpoint rewinds with it, to the
// exact copy (MirrorMaker 2 asserts only "less than before").
TEST_F(CheckpointerMock, AGroupAheadOfOrRewoundBehindReplicationTranslatesExactly) {
  west_.create_topic("orders", 2);
  // orders[0]: source 0..19 copied to 0..19, then 25..34 (20..24 expired) to 20..29.
  write_runs({{"", "", 0, 0, 0, 20}, {"", "", 0, 25, 20, 10}, {"", "", 1, 0, 0, 50}});
  commit(east_, kGroup, {{{"orders", 0}, 45}, {{"orders", 1}, 50}});
  auto c = checkpointer();
  ASSERT_TRUE(c->round());
  auto stored = stored_checkpoints();
  EXPECT_EQ(stored.at("app/orders/0").target, 30) << "ahead: the target's end, no more";
  EXPECT_EQ(stored.at("app/orders/1").target, 50);

  commit(east_, kGroup, {{{"orders", 0}, 22}, {{"orders", 1}, 7}});  // rewound on the source
  ASSERT_TRUE(c->round());
  stored = stored_checkpoints();
  EXPECT_EQ(stored.at("app/orders/0").target, 20) << "inside the expired hole: the next copy";
  EXPECT_EQ(stored.at("app/orders/1").target, 7);

  commit(east_, kGroup, {{{"orders", 0}, 27}, {{"orders", 1}, 48}});
  ASSERT_TRUE(c->round());
  stored = stored_checkpoints();
  EXPECT_EQ(stored.at("app/orders/0").target, 22);
  EXPECT_EQ(stored.at("app/orders/1").target, 48);
}

// MirrorMaker 2: OffsetSyncStoreTest.testNoTranslationIfStoreNotStarted and
// testPastOffsetTranslationWithoutInitializationReadToEnd, MirrorCheckpointTaskTest.
// testCheckpointsTaskRestartUsesExistingCheckpoints and testCheckpointStoreInitialized,
// MirrorConnectorsIntegrationBaseTest.testRestartReplication (monotonic checkpoints). A
// restarted checkpointer that cannot read the offset syncs to their end writes nothing (it
// used to translate from what it had read: nothing, so every partition went back to 0); once
// it can, it writes what the one before it wrote.
TEST_F(CheckpointerMock, ARestartThatCannotReadTheOffsetSyncsToTheirEndWritesNothing) {
  west_.create_topic("orders", 2);
  write_runs({{"", "", 0, 0, 0, 50}, {"", "", 1, 0, 0, 50}});
  // The flow has passed everything: without its runs a translation would look known.
  commit(east_, offsets::flow_group_id("west", "east"), {{{"orders", 0}, 50}, {{"orders", 1}, 50}});
  {
    auto first = checkpointer();
    ASSERT_TRUE(first->round());
  }
  auto before = stored_checkpoints();
  ASSERT_EQ(before.at("app/orders/0").target, 30);
  ASSERT_EQ(before.at("app/orders/1").target, 20);

  auto restarted = checkpointer();
  for (int i = 0; i < 200; ++i) {
    west_.fail_next(kafka::MockCluster::kFetch, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
  }
  EXPECT_FALSE(restarted->round()) << "translated before reading the offset syncs to their end";
  EXPECT_EQ(restarted->checkpoints_written(), 0u);
  west_.clear_failures(kafka::MockCluster::kFetch);
  auto during = stored_checkpoints();
  EXPECT_EQ(during.at("app/orders/0").time_ms, before.at("app/orders/0").time_ms);
  EXPECT_EQ(during.at("app/orders/0").target, 30);
  EXPECT_EQ(during.at("app/orders/1").target, 20);

  ASSERT_TRUE(restarted->round());
  EXPECT_EQ(restarted->checkpoints_written(), 2u);
  auto after = stored_checkpoints();
  EXPECT_EQ(after.at("app/orders/0").target, 30);
  EXPECT_EQ(after.at("app/orders/1").target, 20);
  EXPECT_GE(after.at("app/orders/0").time_ms, before.at("app/orders/0").time_ms);
}

// MirrorMaker 2: CheckpointStoreTest.testReadCheckpointsTopicError, and OffsetSyncStoreTest.
// testNoTranslationIfStoreNotStarted for `duplex failover` and `duplex offsets translate`: a
// read of the checkpoints or the runs that stops short of the end is an error, never a plan or a
// translation from part of them.
TEST_F(CheckpointerMock, FailoverAndTranslateRefuseWhatTheyCouldNotReadToTheEnd) {
  west_.create_topic("orders", 2);
  write_runs({{"", "", 0, 0, 0, 50}, {"", "", 1, 0, 0, 50}});
  ASSERT_TRUE(checkpointer()->round());
  for (int i = 0; i < 200; ++i) {
    west_.fail_next(kafka::MockCluster::kFetch, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
  }
  offsets::Failover failover(config_, "east", 3s);
  auto err = failover.read_checkpoints();
  EXPECT_EQ(err.code(), RD_KAFKA_RESP_ERR__TIMED_OUT) << err.message();
  offsets::OffsetTranslator translator(config_, config_.flows[0], 3s);
  err = translator.read_runs();
  EXPECT_EQ(err.code(), RD_KAFKA_RESP_ERR__TIMED_OUT) << err.message();

  west_.clear_failures(kafka::MockCluster::kFetch);
  offsets::Failover again(config_, "east", 10s);
  ASSERT_FALSE(again.read_checkpoints());
  EXPECT_EQ(again.checkpoints().size(), 2u);
  offsets::OffsetTranslator translator_again(config_, config_.flows[0], 10s);
  ASSERT_FALSE(translator_again.read_runs());
  EXPECT_EQ(translator_again.translate("orders", 0, 30).target, 30);
}

}  // namespace
}  // namespace duplex
