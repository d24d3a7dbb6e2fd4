// Stopping a sidecar whose clusters stopped answering (the mock's brokers set down): every
// stop ends within the sidecar's bound, with exit 0 when it could commit what the target
// acknowledged (or had nothing new to commit) and 1 when it could not.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <thread>

#include "kafka/mock_cluster.h"
#include "replicator/sidecar.h"
#include "tests/support/test_records.h"

namespace duplex {
namespace {

using namespace std::chrono_literals;

struct StopCase {
  const char* name;
  config::Delivery delivery;
  bool source_down;
  bool target_down;
  int exit_code;  // -1: 0 or 1, depending on whether the last commit before the stop caught up
};

class StopMock : public ::testing::TestWithParam<StopCase> {};

TEST_P(StopMock, EndsWithinTheBoundWhateverTheClustersDo) {
  spdlog::set_level(getenv("DUPLEX_TEST_LOG") ? spdlog::level::info : spdlog::level::off);
  const StopCase& c = GetParam();
  kafka::MockCluster east, west;
  for (auto* cluster : {&east, &west}) cluster->create_topic("orders", 2);
  east.create_duplex_topics({"west"});
  west.create_duplex_topics({"east"});
  std::vector<testing::TestRecord> records(2000);
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].partition = static_cast<int32_t>(i % 2);
    records[i].value = "r-" + std::to_string(i);
  }
  testing::produce_records(east.bootstrap(), "orders", records);

  config::Config config;
  config.region = "west";
  config.delivery = c.delivery;
  config.checkpoint_interval = 1s;
  for (auto& [region, cluster] : {std::pair{"east", &east}, std::pair{"west", &west}}) {
    config.clusters[region] = {{"bootstrap.servers", cluster->bootstrap()},
                               {"session.timeout.ms", "6000"}};
  }
  config::Flow flow;
  flow.source = "east";
  flow.topics.refresh = 500ms;
  config.flows.push_back(flow);
  replicator::FlowOptions options;
  options.flush_timeout = 2s;
  options.commit_timeout = 1s;
  options.close_timeout = 1s;
  options.admin_timeout = 2s;
  options.heartbeat_interval = 200ms;
  options.checkpoint_groups = {"app"};  // the mock has no ListGroups
  const auto bound = replicator::Sidecar::stop_bound(options);

  std::atomic<bool> stop{false};
  metrics::ReplicationMetrics metrics("test");
  auto sidecar = std::make_unique<replicator::Sidecar>(config, stop, metrics, options);
  int exit_code = -1;
  std::thread runner([&] { exit_code = sidecar->run(); });
  const bool copying = testing::wait_until(
      [&] { return sidecar->flows()[0]->counters().records_copied >= 100; }, 30s);
  if (!copying) {
    stop = true;
    runner.join();
    FAIL() << c.name << ": nothing copied before the stop";
  }

  if (c.source_down) east.set_down();
  if (c.target_down) west.set_down();
  const auto stop_at = std::chrono::steady_clock::now();
  stop = true;
  runner.join();
  sidecar.reset();  // destruction is part of the stop
  const auto took = std::chrono::steady_clock::now() - stop_at;
  std::cout << "[ stop ] " << c.name << ": exit " << exit_code << " after "
            << std::chrono::duration<double>(took).count() << " s (bound "
            << std::chrono::duration<double>(bound).count() << " s)\n";
  EXPECT_LE(took, bound) << c.name << ": " << std::chrono::duration<double>(took).count() << " s";
  if (c.exit_code >= 0) {
    EXPECT_EQ(exit_code, c.exit_code) << c.name;
  } else {
    EXPECT_TRUE(exit_code == 0 || exit_code == 1) << c.name << ": " << exit_code;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Clusters, StopMock,
    ::testing::Values(
        StopCase{"AtLeastOnceBothUp", config::Delivery::at_least_once, false, false, 0},
        StopCase{"AtLeastOnceTargetDown", config::Delivery::at_least_once, false, true, 0},
        StopCase{"AtLeastOnceSourceDown", config::Delivery::at_least_once, true, false, 1},
        StopCase{"AtLeastOnceBothDown", config::Delivery::at_least_once, true, true, -1},
        StopCase{"ExactlyOnceTargetDown", config::Delivery::exactly_once, false, true, 0},
        StopCase{"ExactlyOnceBothDown", config::Delivery::exactly_once, true, true, -1}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace duplex
