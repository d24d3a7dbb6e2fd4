// TopicWatcher against two mock clusters: nothing is planned (so nothing is copied) until the
// flow's own topics exist on the target, and a failed creation is tried again at the next
// round — the old flow tried once at start and then copied with runs it could not write.
#include <gtest/gtest.h>

#include "kafka/client_factory.h"
#include "kafka/mock_cluster.h"
#include "kafka/topic_admin.h"
#include "metrics/replication_metrics.h"
#include "replicator/topic_watcher.h"

namespace duplex {
namespace {

using namespace std::chrono_literals;

kafka::HandlePtr client_of(const kafka::MockCluster& cluster) {
  return kafka::make_client(
      "test", RD_KAFKA_PRODUCER,
      kafka::make_conf("test", {{"bootstrap.servers", cluster.bootstrap()}}, {}));
}

// A flow that copies `orders` from east to west under the same name.
replicator::TopicWatcher::Settings orders_flow() {
  config::NameFilter topics;
  topics.include = {"orders"};
  return {"east->west",
          topics,
          config::TopicNamer("{topic}", "east", "west"),
          {{"duplex.offset-syncs.east", {{"cleanup.policy", "compact"}}}},
          10s,
          1s,
          2s,
          {},
          {},
          {}};
}

// Two mock clusters, each with `orders` (already mirrored: the mock has no CreateTopics).
struct MockFlow {
  explicit MockFlow(int partitions) {
    east.create_topic("orders", partitions);
    west.create_topic("orders", partitions);
  }

  kafka::MockCluster east, west;
  kafka::HandlePtr east_client = client_of(east);
  kafka::HandlePtr west_client = client_of(west);
  kafka::TopicAdmin source{east_client.get(), "east"};
  kafka::TopicAdmin target{west_client.get(), "west"};
  metrics::ReplicationMetrics registry{"test"};
  replicator::FlowMetrics metrics{registry, "east->west"};
  replicator::TopicWatcher::Settings settings = orders_flow();
};

TEST(TopicWatcherMock, PlansNothingUntilTheFlowsOwnTopicsExistAndAsksForThemAgain) {
  MockFlow flow(2);
  auto& metrics = flow.metrics;
  replicator::TopicWatcher watcher(flow.settings, flow.source, flow.target, flow.metrics);

  // The mock cannot create the topic: the request times out.
  EXPECT_FALSE(watcher.refresh());
  EXPECT_FALSE(watcher.take_plan()) << "copying without the offset-syncs topic";
  EXPECT_EQ(metrics.counters().errors, 1u);

  flow.west.create_topic("duplex.offset-syncs.east", 1);  // created meanwhile (by hand, here)
  EXPECT_TRUE(watcher.refresh());
  auto plan = watcher.take_plan();
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->targets, (std::map<std::string, std::string>{{"orders", "orders"}}));
  EXPECT_TRUE(plan->has_target_partition({"orders", 1}));
  EXPECT_FALSE(plan->has_target_partition({"orders", 2}));
  EXPECT_GT(metrics.counters().last_refresh_ok_ms, 0);
  EXPECT_FALSE(watcher.take_plan()) << "a plan is taken once";
}

// acls.sync against a cluster that cannot describe ACLs (the mock has no ACL API): the plan is
// published all the same, the failure is counted once, and the next round within the retry
// gap does not ask again.
TEST(TopicWatcherMock, AclSyncThatCannotReadTheAclsNeverHoldsUpThePlan) {
  MockFlow flow(1);
  flow.west.create_topic("duplex.offset-syncs.east", 1);
  flow.settings.limits_timeout = 500ms;
  flow.settings.configs.sync = false;  // the mock has no DescribeConfigs either: only ACL errors
  flow.settings.acls.sync = true;
  flow.settings.own_principals = {"User:duplex"};
  auto& metrics = flow.metrics;
  replicator::TopicWatcher watcher(flow.settings, flow.source, flow.target, flow.metrics);
  EXPECT_TRUE(watcher.refresh());
  auto plan = watcher.take_plan();
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->targets, (std::map<std::string, std::string>{{"orders", "orders"}}));
  const auto errors = metrics.counters().errors.load();
  EXPECT_GE(errors, 1u) << "the refused ACL request is counted";
  EXPECT_TRUE(watcher.refresh());
  EXPECT_TRUE(watcher.take_plan());
  EXPECT_EQ(metrics.counters().errors, errors) << "asked again before the retry gap";
}

}  // namespace
}  // namespace duplex
