// `duplex failover` counting re-reads on a mock target cluster whose topic holds copies, the
// target's own records and repairs of last-writer-wins: a repair was never copied, so the group
// never consumed it; the target's own records it consumed are the checkpoint's count.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "kafka/client_factory.h"
#include "kafka/group_admin.h"
#include "kafka/mock_cluster.h"
#include "offsets/failover.h"
#include "offsets/offset_records.h"
#include "tests/support/test_records.h"

namespace duplex {
namespace {

using namespace std::chrono_literals;
using testing::TestRecord;

class FailoverMock : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(getenv("DUPLEX_TEST_LOG") ? spdlog::level::info : spdlog::level::warn);
    west_.create_topic("orders", 1);
    west_.create_duplex_topics({"east"});
    config_.region = "west";
    config_.clusters["west"] = {{"bootstrap.servers", west_.bootstrap()}};
    config_.clusters["east"] = {{"bootstrap.servers", west_.bootstrap()}};  // never asked
    config::Flow flow;
    flow.source = "east";
    config_.flows.push_back(flow);

    // West's orders: copies of east's records, west's own, and repairs (of c0, of w1).
    std::vector<TestRecord> records;
    auto add = [&](const std::string& value, std::optional<std::string> origin, bool repair) {
      TestRecord r;
      r.key = "k";
      r.value = value;
      if (origin) r.headers.emplace_back("duplex.origin", *origin);
      if (repair) r.headers.emplace_back("duplex.repair", "west");
      records.push_back(r);
    };
    add("c0", "east", false);  // 0
    add("w1", std::nullopt, false);
    add("c0", "east", true);  // 2: a repair of c0
    add("c3", "east", false);
    add("w1", std::nullopt, true);  // 4: a repair of w1
    add("w5", std::nullopt, false);
    add("c6", "east", false);
    add("w7", std::nullopt, false);
    testing::produce_records(west_.bootstrap(), "orders", records);
  }

  // The re-reads failover counts for the group after writing `checkpoint` (its value as is).
  int64_t rereads(const std::string& checkpoint) {
    TestRecord r;
    r.key = "app/orders/0";
    r.value = checkpoint;
    testing::produce_records(west_.bootstrap(), "duplex.checkpoints.east", {r});
    offsets::Failover failover(config_, "east", 10s);
    EXPECT_FALSE(failover.read_checkpoints());
    auto plan = failover.plan({"app"}, std::nullopt, false);
    EXPECT_TRUE(std::holds_alternative<offsets::FailoverPlan>(plan));
    const auto& moves = std::get<offsets::FailoverPlan>(plan).moves;
    EXPECT_EQ(moves.size(), 1u);
    return moves.empty() ? -1 : moves[0].rereads;
  }

  // Group app at 1 on west's orders, copies consumed below 6, one of west's own records counted.
  static offsets::Checkpoint app_checkpoint() {
    offsets::Checkpoint c;
    c.group = "app";
    c.source_topic = c.target_topic = "orders";
    c.upstream = 4;
    c.target = 1;
    c.copied_target = 6;
    c.local_target = 6;
    c.local_rereads = 1;
    return c;
  }

  kafka::MockCluster west_;
  config::Config config_;
};

// The group continues at 1; copies below 6 (c3) were consumed on east, and one of west's own
// records below 6 (w1; w5 was skipped by east's conflict stage, never copied there).
TEST_F(FailoverMock, RepairsAreNoReReadsAndTheCheckpointCountsTheLocalOnes) {
  EXPECT_EQ(rereads(offsets::encode(app_checkpoint())), 2);  // c3, w1
}

// A version 1 checkpoint has no count of west's own records: every one below local_target
// counts (w1, w5), repairs still not.
TEST_F(FailoverMock, VersionOneCheckpointsCountWestsOwnRecordsBelowLocalTarget) {
  EXPECT_EQ(rereads("1 1700000000000 orders orders 0 4 1 6 6 8 4 1700000000000 app"), 3);
}

// Several groups on one partition: one read of it counts each group's re-reads as a read per
// group did, and the moves are written for every group.
TEST_F(FailoverMock, GroupsSharingAPartitionKeepTheirOwnCountsAndMoves) {
  const offsets::Checkpoint app = app_checkpoint();
  offsets::Checkpoint third = app;  // at 3, copies consumed below 4: c3
  third.group = "third";
  third.target = 3;
  third.copied_target = 4;
  third.local_rereads = 0;
  std::vector<TestRecord> checkpoints(3);
  checkpoints[0].key = "app/orders/0";
  checkpoints[0].value = offsets::encode(app);
  checkpoints[1].key = "other/orders/0";  // version 1: w1, w5 and c3 (above)
  checkpoints[1].value = "1 1700000000000 orders orders 0 4 1 6 6 8 4 1700000000000 other";
  checkpoints[2].key = "third/orders/0";
  checkpoints[2].value = offsets::encode(third);
  testing::produce_records(west_.bootstrap(), "duplex.checkpoints.east", checkpoints);

  offsets::Failover failover(config_, "east", 10s);
  ASSERT_FALSE(failover.read_checkpoints());
  auto result = failover.plan({"app", "other", "third"}, std::nullopt, false);
  ASSERT_TRUE(std::holds_alternative<offsets::FailoverPlan>(result));
  const auto& plan = std::get<offsets::FailoverPlan>(result);
  std::map<std::string, int64_t> rereads;
  for (const auto& move : plan.moves) rereads[move.checkpoint.group] = move.rereads;
  EXPECT_EQ(rereads, (std::map<std::string, int64_t>{{"app", 2}, {"other", 3}, {"third", 1}}));

  ASSERT_FALSE(failover.apply(plan));
  kafka::Properties props = {{"bootstrap.servers", west_.bootstrap()}};
  auto client = kafka::make_client("test", RD_KAFKA_PRODUCER,
                                   kafka::make_conf("test", props, {{"client.id", "test"}}));
  auto committed = kafka::GroupAdmin(client.get(), "west", props)
                       .committed({"app", "other", "third", "none"}, {{"orders", 1}}, 10s, 2);
  ASSERT_TRUE((std::holds_alternative<std::map<std::string, kafka::GroupOffsets>>(committed)));
  const std::map<std::string, kafka::GroupOffsets> expected = {{"app", {{{"orders", 0}, 1}}},
                                                               {"other", {{{"orders", 0}, 1}}},
                                                               {"third", {{{"orders", 0}, 3}}}};
  EXPECT_EQ(std::get<0>(committed), expected);  // "none" committed nothing: missing
}

}  // namespace
}  // namespace duplex
