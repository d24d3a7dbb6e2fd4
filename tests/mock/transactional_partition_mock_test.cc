// One exactly-once partition against a mock cluster: an error that ends the producer (not a
// fencing) must replace it and rewind, not stop the copy; and the in-flight budget its records
// hold comes back to zero, whatever the timing of pushes against its thread, as soon as they
// are acknowledged.
#include <gtest/gtest.h>

#include <thread>

#include "kafka/mock_cluster.h"
#include "metrics/replication_metrics.h"
#include "replicator/kafka_source.h"
#include "replicator/transactional_partition.h"
#include "tests/support/test_records.h"

namespace duplex {
namespace {

using namespace std::chrono_literals;
using replicator::TransactionalPartition;

// Consumes `count` records of topic[0] from `offset`: the flow hands the partition these.
std::vector<replicator::SourceRecord> consume(rd_kafka_t* consumer, const std::string& topic,
                                              int64_t offset, size_t count) {
  kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), 0)->offset = offset;
  rd_kafka_assign(consumer, list.get());
  std::vector<replicator::SourceRecord> out;
  for (auto deadline = std::chrono::steady_clock::now() + 20s;
       out.size() < count && std::chrono::steady_clock::now() < deadline;) {
    kafka::MessagePtr m(rd_kafka_consumer_poll(consumer, 100));
    if (m && !m->err) out.push_back(replicator::to_source_record(std::move(m)));
  }
  return out;
}

class TransactionalPartitionMock : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* topic : {"orders", "copy", "syncs", "progress", "duplex.dlq"})
      cluster_.create_topic(topic, 1);
  }
  void write_source(int count) {
    std::vector<testing::TestRecord> records;
    for (int i = 0; i < count; ++i) {
      testing::TestRecord r;
      r.value = "v" + std::to_string(i);
      records.push_back(r);
    }
    testing::produce_records(cluster_.bootstrap(), "orders", records);
  }
  kafka::HandlePtr consumer() {
    return kafka::make_client(
        "test", RD_KAFKA_CONSUMER,
        kafka::make_conf("test", {{"bootstrap.servers", cluster_.bootstrap()}},
                         {{"group.id", "t"}, {"enable.auto.commit", "false"}}));
  }
  TransactionalPartition::Settings settings() {
    TransactionalPartition::Settings s;
    s.home = "west";
    s.target_props = {{"bootstrap.servers", cluster_.bootstrap()}};
    s.transactional_id = "t.orders.0";
    s.source = {"orders", 0};
    s.target_topic = "copy";
    s.offset_syncs_topic = "syncs";
    s.progress_topic = "progress";
    s.transaction.interval = 100ms;
    return s;
  }

  // Writes `count` records to the source and reads them back, as the loop would hand them over.
  std::vector<replicator::SourceRecord> written_and_read(int count) {
    write_source(count);
    reader_ = consumer();  // outlives the records: they hold its messages
    return consume(reader_.get(), "orders", 0, count);
  }
  // Pushes every record as a copy, each with its budget units.
  void push_copies(TransactionalPartition& partition,
                   std::vector<replicator::SourceRecord> records) {
    for (auto& r : records) {
      auto units = budget_.take(r.size());
      partition.push(std::move(r), kafka::HeadersPtr(rd_kafka_headers_new(0)), true,
                     std::move(units));
    }
  }

  kafka::MockCluster cluster_;
  kafka::HandlePtr reader_;
  metrics::ReplicationMetrics registry_{"test"};
  replicator::FlowMetrics metrics_{registry_, "east->west"};
  replicator::InflightBudget budget_{64u << 20, 50000};
  std::atomic<bool> cancel_{false};
};

TEST_F(TransactionalPartitionMock, FatalCoordinatorErrorReplacesTheProducerAndRewinds) {
  write_source(10);
  auto reader = consumer();
  TransactionalPartition partition(settings(), metrics_, metrics_.topic("orders"));
  ASSERT_FALSE(partition.fence(std::chrono::steady_clock::now() + 10s, cancel_));
  partition.start(-1);

  // EndTxn answered INVALID_TXN_STATE: fatal for librdkafka's producer.
  cluster_.fail_next(kafka::MockCluster::kEndTxn, RD_KAFKA_RESP_ERR_INVALID_TXN_STATE);
  push_copies(partition, consume(reader.get(), "orders", 0, 10));
  ASSERT_TRUE(testing::wait_until([&] { return partition.rewind_request().has_value(); }, 20s))
      << "state " << static_cast<int>(partition.state()) << ": " << partition.failure();
  EXPECT_EQ(*partition.rewind_request(), 0);  // nothing committed: from the first record
  EXPECT_EQ(metrics_.counters().records_copied, 0u);

  // The flow seeks back; the same records come again and are committed by the new producer.
  partition.rewound();
  EXPECT_EQ(budget_.records(), 0u) << "an aborted transaction gives its records' budget back";
  push_copies(partition, consume(reader.get(), "orders", 0, 10));
  EXPECT_TRUE(testing::wait_until([&] { return partition.committed_next() == 10; }, 20s))
      << partition.failure();
  EXPECT_EQ(partition.state(), TransactionalPartition::State::running);
  EXPECT_EQ(metrics_.counters().records_copied, 10u);
  EXPECT_EQ(budget_.records(), 0u);
  EXPECT_EQ(budget_.bytes(), 0u);
  partition.request_stop(true);
  partition.join();
}

// Records pushed while the partition's thread takes them: once all are committed the budget
// is empty. (The counters this replaced were added to after the push released its lock, so
// the thread could subtract first; clamped at zero, the drift stayed and held a healthy flow.)
TEST_F(TransactionalPartitionMock, BudgetComesBackToZeroWhilePushesRaceTheThread) {
  constexpr int kRecords = 20000;
  write_source(kRecords);
  auto reader = consumer();
  auto records = consume(reader.get(), "orders", 0, kRecords);
  ASSERT_EQ(records.size(), static_cast<size_t>(kRecords));
  auto s = settings();
  s.transaction.interval = 5ms;  // many small transactions: the thread wakes for every push
  TransactionalPartition partition(std::move(s), metrics_, metrics_.topic("orders"));
  ASSERT_FALSE(partition.fence(std::chrono::steady_clock::now() + 10s, cancel_));
  partition.start(-1);
  for (auto& r : records) {
    auto units = budget_.take(r.size());
    const bool copy = r.offset % 3 != 0;  // skipped records hold budget too, until taken
    partition.push(std::move(r), copy ? kafka::HeadersPtr(rd_kafka_headers_new(0)) : nullptr, copy,
                   std::move(units));
  }
  EXPECT_TRUE(testing::wait_until([&] { return partition.committed_next() == kRecords; }, 60s))
      << partition.committed_next() << ": " << partition.failure();
  EXPECT_EQ(budget_.records(), 0u);
  EXPECT_EQ(budget_.bytes(), 0u);
  partition.request_stop(true);
  partition.join();
}

// A stop that comes while a transaction commits, its records never acknowledged (the target
// went away): the commit ends by the stop's deadline, not after message.timeout.ms (20 s).
TEST_F(TransactionalPartitionMock, AStopDuringACommitThatCannotFinishEndsByTheStopTimeout) {
  auto records = written_and_read(10);
  ASSERT_EQ(records.size(), 10u);
  auto s = settings();
  s.stop_timeout = 1s;
  TransactionalPartition partition(std::move(s), metrics_, metrics_.topic("orders"));
  ASSERT_FALSE(partition.fence(std::chrono::steady_clock::now() + 10s, cancel_));
  partition.start(-1);
  cluster_.set_down();
  push_copies(partition, std::move(records));
  std::this_thread::sleep_for(1s);  // past the 100 ms interval: the commit waits for answers
  const auto stop_at = std::chrono::steady_clock::now();
  partition.request_stop(true);
  partition.join();
  const auto took = std::chrono::steady_clock::now() - stop_at;
  // stop_timeout, then one short abort attempt (2 s) that cannot reach the target either.
  EXPECT_LT(took, 5s) << std::chrono::duration<double>(took).count() << " s";
  EXPECT_EQ(partition.committed_next(), -1) << "nothing committed";
  EXPECT_EQ(partition.uncommitted(), 10u);
}

// A copy's budget units come back with its delivery report, not at the end of its transaction:
// the thread wakes for the report though nothing else arrives. (It used to look only between
// pushes and at commits, so a loop holding for the budget starved until the interval passed;
// the flow's budget was four times larger to make up for it.)
TEST_F(TransactionalPartitionMock, BudgetComesBackWithTheAcknowledgementsNotTheCommit) {
  auto records = written_and_read(100);
  ASSERT_EQ(records.size(), 100u);
  auto s = settings();
  s.transaction.interval = 60s;  // no commit during the test
  TransactionalPartition partition(std::move(s), metrics_, metrics_.topic("orders"));
  ASSERT_FALSE(partition.fence(std::chrono::steady_clock::now() + 10s, cancel_));
  partition.start(-1);
  push_copies(partition, std::move(records));
  EXPECT_TRUE(testing::wait_until([&] { return budget_.records() == 0; }, 10s))
      << budget_.records() << " records still hold the budget";
  EXPECT_EQ(budget_.bytes(), 0u);
  EXPECT_EQ(partition.committed_next(), -1) << "acknowledged, not committed yet";
  partition.request_stop(true);
  partition.join();
  EXPECT_EQ(partition.committed_next(), 100);
}

// A dead letter (a record too large for its target, sent to duplex.dlq in the transaction)
// holds its budget units until it is acknowledged, as a copy does. (They used to go back as
// soon as it was handed to the producer, so a target that was down did not hold the loop.)
TEST_F(TransactionalPartitionMock, ADeadLetterHoldsItsBudgetUntilAcknowledged) {
  auto records = written_and_read(1);
  ASSERT_EQ(records.size(), 1u);
  auto s = settings();
  s.target_props["reconnect.backoff.max.ms"] = "500";  // back soon after the broker is
  TransactionalPartition partition(std::move(s), metrics_, metrics_.topic("orders"));
  ASSERT_FALSE(partition.fence(std::chrono::steady_clock::now() + 10s, cancel_));
  partition.start(-1);
  cluster_.set_down();
  auto units = budget_.take(records[0].size());
  partition.push_dead_letter(std::move(records[0]), kafka::HeadersPtr(rd_kafka_headers_new(0)),
                             false, std::move(units));
  // Bounded on purpose: nothing can acknowledge it, so the budget must stay held throughout.
  EXPECT_FALSE(testing::wait_until([&] { return budget_.records() == 0; }, 2s))
      << "given back before the target acknowledged it";
  cluster_.set_up();
  EXPECT_TRUE(testing::wait_until([&] { return partition.committed_next() == 1; }, 30s))
      << partition.failure();
  EXPECT_EQ(budget_.records(), 0u);
  EXPECT_EQ(budget_.bytes(), 0u);
  partition.request_stop(true);
  partition.join();
}

}  // namespace
}  // namespace duplex
