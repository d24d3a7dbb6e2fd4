// `duplex offsets translate` without its command line: the flow's runs and a group's
// checkpoints read from a mock home cluster.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "kafka/mock_cluster.h"
#include "offsets/offset_translator.h"
#include "tests/support/test_records.h"

namespace duplex {
namespace {

testing::TestRecord keyed(const std::string& key, const std::string& value) {
  testing::TestRecord r;
  r.key = key;
  r.value = value;
  return r;
}

TEST(OffsetTranslatorMock, ReadsRunsAndTheGroupsCheckpointsFromTheHomeCluster) {
  spdlog::set_level(getenv("DUPLEX_TEST_LOG") ? spdlog::level::info : spdlog::level::warn);
  kafka::MockCluster west;
  config::Config config;
  config.region = "west";
  config.clusters["west"] = {{"bootstrap.servers", west.bootstrap()}};
  config.clusters["east"] = {{"bootstrap.servers", "127.0.0.1:1"}};  // never contacted
  config::Flow flow;
  flow.source = "east";
  flow.rename = "{source}.{topic}";
  config.flows.push_back(flow);

  west.create_duplex_topics({"east"});
  const offsets::OffsetRun first{"orders", "east.orders", 0, 0, 0, 50, 0};
  const offsets::OffsetRun second{"orders", "east.orders", 0, 50, 60, 50, 0};
  testing::produce_records(
      west.bootstrap(), "duplex.offset-syncs.east",
      {keyed(offsets::run_key(first), offsets::encode(first)),
       keyed(offsets::run_key(second), offsets::encode(second)), keyed("x", "not a run")});
  offsets::Checkpoint c;
  c.group = "payments";
  c.source_topic = "orders";
  c.target_topic = "east.orders";
  c.upstream = 70;
  c.target = c.copied_target = c.local_target = 60;
  offsets::Checkpoint other_group = c;
  other_group.group = "audit";
  other_group.local_target = other_group.target = other_group.copied_target = 80;
  testing::produce_records(
      west.bootstrap(), "duplex.checkpoints.east",
      {keyed(offsets::checkpoint_key(c), offsets::encode(c)),
       keyed(offsets::checkpoint_key(other_group), offsets::encode(other_group))});

  offsets::OffsetTranslator translator(config, flow, std::chrono::seconds(10));
  ASSERT_FALSE(translator.read_runs());
  EXPECT_EQ(translator.target_topic("orders"), "east.orders");
  EXPECT_EQ(translator.translate("orders", 0, 80).target, 50);  // the first foreign record
  ASSERT_FALSE(translator.read_checkpoints("payments"));
  auto t = translator.translate("orders", 0, 80);
  EXPECT_EQ(t.target, 60);  // payments had read target 50..59; audit's checkpoint is not its
  EXPECT_EQ(t.copied_target, 90);
}

}  // namespace
}  // namespace duplex
