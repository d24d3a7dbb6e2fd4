// The source consumer against a mock cluster: what reaches the copy loop's listener.
#include <gtest/gtest.h>

#include "kafka/mock_cluster.h"
#include "metrics/replication_metrics.h"
#include "replicator/kafka_source.h"

namespace duplex::replicator {
namespace {

using namespace std::chrono_literals;

struct FatalListener : SourceListener {
  void on_assigned(const std::vector<TopicPartition>&) override {}
  void on_revoked(const std::vector<TopicPartition>&, bool) override {}
  void on_committed(const std::map<TopicPartition, int64_t>&) override {}
  void on_fatal(const std::string& reason) override { fatal = reason; }
  std::string fatal;
};

// A consumer's fatal error (a static member fenced by another process under its instance id)
// arrives through the consumer queue, not the error callback: the flow must hear of it, or the
// fenced process would go on running with nothing to copy.
TEST(KafkaSourceMock, AFatalConsumerErrorReachesTheListener) {
  kafka::MockCluster cluster;
  cluster.create_topic("orders", 1);
  metrics::ReplicationMetrics registry("test");
  FlowMetrics metrics(registry, "east->west");
  KafkaSource source("east", {{"bootstrap.servers", cluster.bootstrap()}}, "duplex.west.from.east",
                     "west-1", "test-consumer", 1s, 5s, metrics);
  FatalListener listener;
  source.set_listener(&listener);
  ASSERT_FALSE(source.subscribe({"orders"}));
  rd_kafka_test_fatal_error(source.handle(), RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID,
                            "fenced by a twin");
  for (int i = 0; i < 50 && listener.fatal.empty(); ++i) source.poll(100ms);
  EXPECT_NE(listener.fatal.find("fenced by a twin"), std::string::npos) << listener.fatal;
}

// The group coordinator refuses the flow's group (no READ ACL): librdkafka would join again and
// again; the flow hears of it, with the group and the permission named.
TEST(KafkaSourceMock, AGroupAuthorizationErrorReachesTheListenerNamingTheGroup) {
  kafka::MockCluster cluster;
  cluster.create_topic("orders", 1);
  cluster.fail_next(kafka::MockCluster::kJoinGroup, RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED);
  metrics::ReplicationMetrics registry("test");
  FlowMetrics metrics(registry, "east->west");
  KafkaSource source("east", {{"bootstrap.servers", cluster.bootstrap()}}, "duplex.west.from.east",
                     "", "test-consumer", 1s, 5s, metrics);
  FatalListener listener;
  source.set_listener(&listener);
  ASSERT_FALSE(source.subscribe({"orders"}));
  for (int i = 0; i < 100 && listener.fatal.empty(); ++i) source.poll(100ms);
  EXPECT_NE(listener.fatal.find("cluster east: not authorized: duplex's principal needs READ on "
                                "group duplex.west.from.east (GROUP_AUTHORIZATION_FAILED"),
            std::string::npos)
      << listener.fatal;
}

}  // namespace
}  // namespace duplex::replicator
