// kafka::produce against a producer that has no broker: records only queue, so a tiny queue
// fills up and the retry, give-up and header-ownership rules can be checked without Kafka.
#include "kafka/produce.h"

#include <gtest/gtest.h>

#include <atomic>

#include "kafka/client_factory.h"

namespace duplex::kafka {
namespace {

HandlePtr offline_producer() {
  // No bootstrap servers: nothing is ever sent, every record stays queued.
  return make_client("test", RD_KAFKA_PRODUCER,
                     make_conf("test", {}, {{"queue.buffering.max.messages", "2"}}));
}

HeadersPtr one_header() {
  HeadersPtr headers(rd_kafka_headers_new(1));
  rd_kafka_header_add(headers.get(), "h", -1, "v", -1);
  return headers;
}

TEST(Produce, QueuesTheRecordAndHandsOverItsHeaders) {
  auto producer = offline_producer();
  auto headers = one_header();
  OutgoingRecord r;
  r.topic = "t";
  r.partition = 0;
  r.value = "v";
  r.value_len = 1;
  EXPECT_EQ(produce(producer.get(), r, headers), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(headers, nullptr) << "librdkafka owns the headers of a queued record";
  EXPECT_EQ(rd_kafka_outq_len(producer.get()), 1);
  rd_kafka_purge(producer.get(), RD_KAFKA_PURGE_F_QUEUE);
}

TEST(Produce, AFullQueueIsRetriedUntilGivenUpAndTheCallerKeepsItsHeaders) {
  auto producer = offline_producer();
  OutgoingRecord r;
  r.topic = "t";
  r.partition = 0;
  ASSERT_EQ(produce(producer.get(), r), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(produce(producer.get(), r), RD_KAFKA_RESP_ERR_NO_ERROR);
  std::atomic<bool> give_up{true};
  auto headers = one_header();
  EXPECT_EQ(produce(producer.get(), r, headers, &give_up), RD_KAFKA_RESP_ERR__QUEUE_FULL);
  ASSERT_NE(headers, nullptr) << "a record that was not queued leaves its headers to the caller";
  EXPECT_EQ(rd_kafka_header_cnt(headers.get()), 1u);
  rd_kafka_purge(producer.get(), RD_KAFKA_PURGE_F_QUEUE);
}

TEST(Produce, OtherErrorsReturnAtOnce) {
  auto producer = offline_producer();
  OutgoingRecord r;
  r.topic = "t";
  r.partition = 0;
  std::string huge(2 * 1024 * 1024, 'x');  // over message.max.bytes (1 MB by default)
  r.value = huge.data();
  r.value_len = huge.size();
  EXPECT_EQ(produce(producer.get(), r), RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
}

}  // namespace
}  // namespace duplex::kafka
