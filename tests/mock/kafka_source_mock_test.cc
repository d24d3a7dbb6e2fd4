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
  void on_partition_end(const TopicPartition&, int64_t) override {}
  void on_fatal(const std::string& reason) override { fatal = reason; }
  std::string fatal;
};

// The flow east -> west's consumer of `orders` on a mock cluster.
class KafkaSourceMock : public ::testing::Test {
 protected:
  KafkaSourceMock() { cluster_.create_topic("orders", 1); }

  // Subscribed, telling listener_.
  std::unique_ptr<KafkaSource> subscribed(const std::string& instance_id) {
    auto source = std::make_unique<KafkaSource>(
        "east", kafka::Properties{{"bootstrap.servers", cluster_.bootstrap()}},
        "duplex.west.from.east", instance_id, "test-consumer", 1s, 5s, metrics_);
    source->set_listener(&listener_);
    EXPECT_FALSE(source->subscribe({"orders"}));
    return source;
  }
  // Polls until the listener hears of a fatal error, 10 s at most.
  void poll_until_fatal(KafkaSource& source) {
    for (int i = 0; i < 100 && listener_.fatal.empty(); ++i) source.poll(100ms);
  }

  kafka::MockCluster cluster_;
  metrics::ReplicationMetrics registry_{"test"};
  FlowMetrics metrics_{registry_, "east->west"};
  FatalListener listener_;
};

// A consumer's fatal error (a static member fenced by another process under its instance id)
// arrives through the consumer queue, not the error callback: the flow must hear of it, or the
// fenced process would go on running with nothing to copy.
TEST_F(KafkaSourceMock, AFatalConsumerErrorReachesTheListener) {
  auto source = subscribed("west-1");
  rd_kafka_test_fatal_error(source->handle(), RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID,
                            "fenced by a twin");
  poll_until_fatal(*source);
  EXPECT_NE(listener_.fatal.find("fenced by a twin"), std::string::npos) << listener_.fatal;
}

// The group coordinator refuses the flow's group (no READ ACL): librdkafka would join again and
// again; the flow hears of it, with the group and the permission named.
TEST_F(KafkaSourceMock, AGroupAuthorizationErrorReachesTheListenerNamingTheGroup) {
  cluster_.fail_next(kafka::MockCluster::kJoinGroup, RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED);
  auto source = subscribed("");
  poll_until_fatal(*source);
  EXPECT_NE(listener_.fatal.find("cluster east: not authorized: duplex's principal needs READ on "
                                 "group duplex.west.from.east (GROUP_AUTHORIZATION_FAILED"),
            std::string::npos)
      << listener_.fatal;
}

}  // namespace
}  // namespace duplex::replicator
