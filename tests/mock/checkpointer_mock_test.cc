// The checkpointer against two in-process mock clusters: a checkpoint counts only once the
// target acknowledged it, and a source end it could not read is recorded as unknown.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "kafka/client_factory.h"
#include "kafka/group_admin.h"
#include "kafka/mock_cluster.h"
#include "metrics/exposition.h"
#include "offsets/failover.h"
#include "replicator/checkpointer.h"
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

TEST_F(CheckpointerMock, UnreadableSourceEndIsRecordedAsUnknown) {
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

}  // namespace
}  // namespace duplex
