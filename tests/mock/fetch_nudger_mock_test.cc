// The fetch nudger against a mock cluster: with a fetch queue far smaller than the backlog, a
// reader that drains it quickly gets the fetcher woken up; an idle reader causes no requests.
// The mock answers a fetch with thousands of records at once (it ignores the size limits), so
// the backlog is large and the nudger looks often: the queue runs dry many times.
#include <gtest/gtest.h>

#include <thread>

#include "kafka/client_factory.h"
#include "kafka/fetch_nudger.h"
#include "kafka/mock_cluster.h"
#include "tests/support/test_records.h"

namespace duplex {
namespace {

using namespace std::chrono_literals;

// A consumer of both partitions of `topic` from the start, queueing at most ~1,000 records.
kafka::HandlePtr small_queue_consumer(const std::string& bootstrap, const std::string& topic) {
  auto consumer = kafka::make_client("test", RD_KAFKA_CONSUMER,
                                     kafka::make_conf("test", {{"bootstrap.servers", bootstrap}},
                                                      {{"group.id", "nudged"},
                                                       {"enable.auto.commit", "false"},
                                                       {"queued.min.messages", "1000"},
                                                       {"max.partition.fetch.bytes", "65536"}}));
  kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(2));
  for (int p = 0; p < 2; ++p) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(consumer.get(), list.get());
  return consumer;
}

TEST(FetchNudgerMock, WakesTheFetcherWhileABacklogIsReadAndStaysQuietWhenIdle) {
  kafka::MockCluster cluster;
  cluster.create_topic("backlog", 2);
  std::vector<testing::TestRecord> records(100000);
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].partition = static_cast<int32_t>(i % 2);
    records[i].value = "r-" + std::to_string(i);
  }
  testing::produce_records(cluster.bootstrap(), "backlog", records);

  auto consumer = small_queue_consumer(cluster.bootstrap(), "backlog");
  std::atomic<uint64_t> received{0};
  kafka::FetchNudger nudger(consumer.get(), received, 5ms, 50);
  size_t read = 0;
  for (auto deadline = std::chrono::steady_clock::now() + 60s;
       read < records.size() && std::chrono::steady_clock::now() < deadline;) {
    kafka::MessagePtr m(rd_kafka_consumer_poll(consumer.get(), 100));
    if (!m || m->err) continue;
    ++read;
    received.store(read, std::memory_order_relaxed);
  }
  EXPECT_EQ(read, records.size());
  const uint64_t while_reading = nudger.nudges();
  EXPECT_GT(while_reading, 0u) << "the backlog is 100 times the queue: the fetcher had to stop";

  // Caught up: nothing flows, so no requests are sent.
  for (auto until = std::chrono::steady_clock::now() + 500ms;
       std::chrono::steady_clock::now() < until;) {
    kafka::MessagePtr m(rd_kafka_consumer_poll(consumer.get(), 50));
  }
  const uint64_t settled = nudger.nudges();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(nudger.nudges(), settled);
}

}  // namespace
}  // namespace duplex
