// errors.oversized: a copy larger than the target takes never reaches the producer; the flow
// fails before it (fail) or writes it to duplex.dlq instead (skip), in both sinks' terms.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "replicator/dead_letter.h"
#include "replicator/tests/copy_loop_fixture.h"
#include "replicator/tests/fake_sink.h"

namespace duplex::replicator::testing {
namespace {

using ::testing::HasSubstr;

class Oversized : public CopyLoopTest {
 protected:
  // orders[0] holds v0, a record with a key and a value of `big` bytes at offset 1, and v2.
  void start_with_big_record(size_t big, std::map<std::string, size_t> limits,
                             Sink* sink = nullptr) {
    start(sink);
    topics_.plan({"orders"}, 4, std::move(limits));
    turns(1);
    append(1);
    source_.append(p0_, std::string(big, 'x'));
    next_value_++;
    append(1);
    turns(6);
  }
  double dead_lettered() {
    return registry_.records_dead_lettered("east->west", "orders", "oversized").Value();
  }
};

TEST(DeadLetter, BatchBytesAsTheBrokerCountsThem) {
  // A batch header of 61 bytes, then one record: length, attributes, two deltas, key, value,
  // header count, each header's name and value with their lengths.
  EXPECT_EQ(batch_bytes(0, 0, nullptr), 61u + 1 + 6);
  kafka::HeadersPtr headers(rd_kafka_headers_new(1));
  rd_kafka_header_add(headers.get(), "duplex.origin", -1, "east", -1);
  EXPECT_EQ(batch_bytes(3, 200, headers.get()),
            61u + 2 + (3 + 1 + 3 + 2 + 200 + 1 + 1 + 13 + 1 + 4));
}

// The record batch of offset 1: 61 bytes of batch header, 2 of length, then attributes and
// deltas (3), key 2 + 504 ("key-" and 500 x), value 2 + 500, 1 header count, and
// duplex.origin: east (1 + 13 + 1 + 4): 1094 bytes.
TEST_F(Oversized, FailStopsTheFlowBeforeTheRecordAndNamesItAndTheFix) {
  options_.oversized = config::OversizedPolicy::fail;
  start_with_big_record(500, {{"orders", 300}});
  EXPECT_THAT(loop_->failure(), HasSubstr("record orders[0]@1 is 1094 bytes, over the "
                                          "max.message.bytes of the target topic orders (300)"));
  EXPECT_THAT(loop_->failure(), HasSubstr("errors.oversized: skip"));
  EXPECT_EQ(copied_values(), std::vector<std::string>{"v0"}) << "nothing from it on was written";
  writer_.answer_on_poll = true;
  loop_->finish();
  EXPECT_EQ(source_.committed(p0_), 1) << "up to the oversized record, not past it";
}

TEST_F(Oversized, TheProducersOwnLimitCountsToo) {
  options_.producer_max_bytes = 1000;
  start_with_big_record(2000, {});
  EXPECT_THAT(loop_->failure(),
              HasSubstr("over the message.max.bytes of the producer on the target cluster (1000)"));
}

TEST_F(Oversized, SkipWritesItToTheDeadLetterTopicAndCommitsPastItOnlyOnceAcknowledged) {
  options_.oversized = config::OversizedPolicy::skip;
  start_with_big_record(500, {{"orders", 300}});
  ASSERT_TRUE(loop_->failure().empty()) << loop_->failure();
  EXPECT_EQ(copied_values(), (std::vector<std::string>{"v0", "v2"}));
  auto letters = writer_.written_to(std::string(kDeadLetterTopic));
  ASSERT_EQ(letters.size(), 1u);
  const auto& letter = *letters[0];
  EXPECT_EQ(letter.value, std::string(500, 'x'));
  EXPECT_EQ(letter.header("duplex.dlq.reason"), "oversized");
  EXPECT_EQ(letter.header("duplex.dlq.topic"), "orders");
  EXPECT_EQ(letter.header("duplex.dlq.partition"), "0");
  EXPECT_EQ(letter.header("duplex.dlq.offset"), "1");
  EXPECT_EQ(letter.header("duplex.origin"), "east") << "the copy's headers come along";
  EXPECT_THAT(*letter.header("duplex.dlq.detail"),
              HasSubstr("1094 bytes, over the max.message.bytes of the target topic orders (300)"));
  EXPECT_EQ(letter.header("duplex.dlq.metadata-only"), std::nullopt);

  writer_.answer_topic("orders");
  turns(2);
  tick();
  writer_.answer_topic(kSyncs);
  turns(2);
  tick();
  EXPECT_EQ(source_.committed(p0_), 1) << "not past the dead letter before it is acknowledged";
  EXPECT_EQ(dead_lettered(), 0);
  writer_.answer_topic(std::string(kDeadLetterTopic));
  turns(2);
  tick();
  writer_.answer_topic(kSyncs);
  turns(2);
  tick();
  EXPECT_EQ(source_.committed(p0_), 3);
  EXPECT_EQ(dead_lettered(), 1);
  EXPECT_EQ(metrics_.counters().records_copied, 2u) << "a dead letter is no copy";
}

TEST_F(Oversized, TooLargeForTheDeadLetterTopicTooKeepsOnlyTheMetadata) {
  options_.oversized = config::OversizedPolicy::skip;
  start_with_big_record(500, {{"orders", 300}, {std::string(kDeadLetterTopic), 400}});
  auto letters = writer_.written_to(std::string(kDeadLetterTopic));
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0]->value, "");
  EXPECT_EQ(letters[0]->header("duplex.dlq.metadata-only"), "true");
  EXPECT_EQ(letters[0]->header("duplex.dlq.offset"), "1");
  EXPECT_EQ(letters[0]->header("duplex.origin"), std::nullopt);
}

TEST_F(Oversized, AFailedDeadLetterFailsTheFlowAndKeepsItsOffset) {
  options_.oversized = config::OversizedPolicy::skip;
  start_with_big_record(500, {{"orders", 300}});
  writer_.answer_topic("orders");
  writer_.answer([](const Written& w) { return w.topic == kDeadLetterTopic; },
                 RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  turns(2);
  EXPECT_THAT(loop_->failure(), HasSubstr("dead letter of orders[0]@1"));
  writer_.answer_on_poll = true;
  loop_->finish();
  EXPECT_EQ(source_.committed(p0_), 1);
}

// Exactly-once takes the same decision; its sink puts the dead letter in the transaction.
TEST_F(Oversized, TheSinkGetsADeadLetterInTheCopysPlace) {
  options_.oversized = config::OversizedPolicy::skip;
  FakeSink sink;
  start_with_big_record(500, {{"orders", 300}}, &sink);
  EXPECT_EQ(sink.offsets_written(first_id()), (std::vector<int64_t>{0, 2}));
  ASSERT_EQ(sink.dead_letters.size(), 1u);
  EXPECT_EQ(sink.dead_letters[0].offset, 1);
  EXPECT_FALSE(sink.dead_letters[0].metadata_only);
  EXPECT_EQ(sink.dead_letters[0].headers["duplex.dlq.reason"], "oversized");
}

}  // namespace
}  // namespace duplex::replicator::testing
