#include "kafka/watermarks.h"

#include <gtest/gtest.h>

#include <chrono>

#include "kafka/client_factory.h"
#include "kafka/mock_cluster.h"
#include "kafka/produce.h"

namespace duplex::kafka {
namespace {

using namespace std::chrono_literals;

HandlePtr producer_of(const MockCluster& cluster) {
  return make_client("test", RD_KAFKA_PRODUCER,
                     make_conf("test", {{"bootstrap.servers", cluster.bootstrap()}}, {}));
}

TEST(QueryWatermarks, AnswersTheLowAndHighMarks) {
  MockCluster cluster;
  cluster.create_topic("orders", 1);
  auto producer = producer_of(cluster);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(
        produce(producer.get(), {.topic = "orders", .partition = 0, .value = "v", .value_len = 1}),
        RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  ASSERT_EQ(rd_kafka_flush(producer.get(), 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  int64_t low = -1, high = -1;
  ASSERT_EQ(query_watermarks(producer.get(), "orders", 0, &low, &high, 10s),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(low, 0);
  EXPECT_EQ(high, 3);
}

// librdkafka 2.0.2's own rd_kafka_query_watermark_offsets waits here until its requests give
// up, minutes later; a stop must not wait with it.
TEST(QueryWatermarks, KeepsItsTimeoutWhenTheLeaderIsDown) {
  MockCluster cluster;
  cluster.create_topic("orders", 1);
  auto producer = producer_of(cluster);
  int64_t low = -1, high = -1;
  ASSERT_EQ(query_watermarks(producer.get(), "orders", 0, &low, &high, 10s),
            RD_KAFKA_RESP_ERR_NO_ERROR);  // metadata known, leader connected
  cluster.set_down();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_NE(query_watermarks(producer.get(), "orders", 0, &low, &high, 1s),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

}  // namespace
}  // namespace duplex::kafka
