// One exactly-once partition against a mock cluster whose transaction coordinator fails: an
// error that ends the producer (not a fencing) must replace it and rewind, not stop the copy.
#include <gtest/gtest.h>

#include <thread>

#include "kafka/mock_cluster.h"
#include "metrics/replication_metrics.h"
#include "replicator/transactional_partition.h"
#include "tests/support/test_records.h"

namespace duplex {
namespace {

using namespace std::chrono_literals;

constexpr int16_t kEndTxn = 26;  // the EndTxn request's API key

// Consumes `count` records of topic[0] from `offset`: the flow hands the partition these.
std::vector<kafka::MessagePtr> consume(rd_kafka_t* consumer, const std::string& topic,
                                       int64_t offset, size_t count) {
  kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), 0)->offset = offset;
  rd_kafka_assign(consumer, list.get());
  std::vector<kafka::MessagePtr> out;
  for (auto deadline = std::chrono::steady_clock::now() + 20s;
       out.size() < count && std::chrono::steady_clock::now() < deadline;) {
    kafka::MessagePtr m(rd_kafka_consumer_poll(consumer, 100));
    if (m && !m->err) out.push_back(std::move(m));
  }
  return out;
}

TEST(TransactionalPartitionMock, FatalCoordinatorErrorReplacesTheProducerAndRewinds) {
  kafka::MockCluster cluster;
  for (const char* topic : {"orders", "copy", "syncs", "progress"}) cluster.create_topic(topic, 1);
  std::vector<testing::TestRecord> records;
  for (int i = 0; i < 10; ++i) {
    testing::TestRecord r;
    r.value = "v" + std::to_string(i);
    records.push_back(r);
  }
  testing::produce_records(cluster.bootstrap(), "orders", records);
  auto consumer =
      kafka::make_client("test", RD_KAFKA_CONSUMER,
                         kafka::make_conf("test", {{"bootstrap.servers", cluster.bootstrap()}},
                                          {{"group.id", "t"}, {"enable.auto.commit", "false"}}));

  metrics::ReplicationMetrics metrics("test");
  std::atomic<uint64_t> copied{0}, bytes{0}, syncs{0};
  replicator::TransactionalPartition::Settings settings;
  settings.home = "west";
  settings.target_props = {{"bootstrap.servers", cluster.bootstrap()}};
  settings.transactional_id = "t.orders.0";
  settings.source_topic = "orders";
  settings.target_topic = "copy";
  settings.offset_syncs_topic = "syncs";
  settings.progress_topic = "progress";
  settings.interval = 100ms;
  replicator::TransactionalPartition partition(
      settings,
      {&metrics.records_copied("f", "orders"), &metrics.bytes_copied("f", "orders"),
       &metrics.errors("f", "transaction"), &metrics.latency("f"), &copied, &bytes, &syncs});
  std::atomic<bool> stop{false};
  ASSERT_FALSE(partition.fence(stop));
  partition.start(-1);

  // EndTxn answered INVALID_TXN_STATE: fatal for librdkafka's producer.
  cluster.fail_next(kEndTxn, RD_KAFKA_RESP_ERR_INVALID_TXN_STATE);
  for (auto& m : consume(consumer.get(), "orders", 0, 10)) {
    partition.push(std::move(m), kafka::HeadersPtr(rd_kafka_headers_new(0)), true);
  }
  ASSERT_TRUE(testing::wait_until([&] { return partition.rewind_request().has_value(); }, 20s))
      << "state " << static_cast<int>(partition.state()) << ": " << partition.failure();
  EXPECT_EQ(*partition.rewind_request(), 0);  // nothing committed: from the first record
  EXPECT_EQ(copied, 0u);

  // The flow seeks back; the same records come again and are committed by the new producer.
  partition.rewound();
  for (auto& m : consume(consumer.get(), "orders", 0, 10)) {
    partition.push(std::move(m), kafka::HeadersPtr(rd_kafka_headers_new(0)), true);
  }
  EXPECT_TRUE(testing::wait_until([&] { return partition.committed_next() == 10; }, 20s))
      << partition.failure();
  EXPECT_EQ(partition.state(), replicator::TransactionalPartition::State::running);
  EXPECT_EQ(copied, 10u);
  partition.request_stop(true);
  partition.join();
}

}  // namespace
}  // namespace duplex
