// errors.oversized on real brokers: a target topic with max.message.bytes 100000, and in the
// source, between ordinary records, one of 200000 bytes. fail: the sidecar stops before it
// (exit 1, the record and the fix named), the commit never passes it, and once the limit is
// raised a restart copies everything. skip: everything else is copied in order, the record is
// in duplex.dlq with its source coordinates, and counted. Both delivery modes.
#include <gmock/gmock.h>

#include "kafka/group_admin.h"
#include "metrics/exposition.h"
#include "metrics/http_get.h"
#include "tests/support/two_regions.h"

namespace duplex::testing {
namespace {

using Oversized = TwoRegions;
using ::testing::HasSubstr;

// The ordinary records 0..200 but 100, in partition 0's order, as the source holds them.
std::vector<std::string> ordinary_ids() {
  std::vector<std::string> out;
  for (int i = 0; i <= 200; ++i) {
    if (i != 100) out.push_back("east-" + std::to_string(i));
  }
  return out;
}

std::vector<std::string> values_in_order(const std::vector<TestRecord>& got) {
  std::vector<std::string> out;
  for (const auto& r : got) out.push_back(r.value.value_or(""));
  return out;
}

// Writes records 0..99, one of 200000 bytes at offset 100, and 101..200 in east.
void write_with_big_record(const std::string& topic) {
  produce_records(kEast, topic, records("east", 0, 100, 1));
  auto big = records("east", 100, 1, 1);
  big[0].value = std::string(200000, 'x');
  produce_records(kEast, topic, big);
  produce_records(kEast, topic, records("east", 101, 100, 1));
}

int64_t committed_on_east(const std::string& topic) {
  auto client = kafka::make_client("test", RD_KAFKA_PRODUCER,
                                   kafka::make_conf("test", {{"bootstrap.servers", kEast}}, {}));
  kafka::GroupAdmin admin(client.get(), "east", {{"bootstrap.servers", kEast}});
  auto committed = admin.committed("duplex.west.from.east", {{topic, 1}}, 10s);
  if (!std::holds_alternative<kafka::GroupOffsets>(committed)) return -2;
  const auto& offsets = std::get<kafka::GroupOffsets>(committed);
  auto it = offsets.find({topic, 0});
  return it == offsets.end() ? -1 : it->second;
}

// Sets one config of a topic on west (AlterConfigs replaces the topic's set configs: the test
// topics have only this one).
void set_topic_config(const std::string& topic, const std::string& name, const std::string& value) {
  auto client = kafka::make_client("test", RD_KAFKA_PRODUCER,
                                   kafka::make_conf("test", {{"bootstrap.servers", kWest}}, {}));
  kafka::QueuePtr queue(rd_kafka_queue_new(client.get()));
  rd_kafka_ConfigResource_t* resource =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  ASSERT_FALSE(rd_kafka_ConfigResource_set_config(resource, name.c_str(), value.c_str()));
  rd_kafka_AlterConfigs(client.get(), &resource, 1, nullptr, queue.get());
  rd_kafka_ConfigResource_destroy(resource);
  kafka::EventPtr event(rd_kafka_queue_poll(queue.get(), 30000));
  ASSERT_TRUE(event) << "no answer to AlterConfigs";
  ASSERT_FALSE(rd_kafka_event_error(event.get())) << rd_kafka_event_error_string(event.get());
  size_t count = 0;
  const auto** results = rd_kafka_AlterConfigs_result_resources(
      rd_kafka_event_AlterConfigs_result(event.get()), &count);
  ASSERT_EQ(count, 1u);
  ASSERT_FALSE(rd_kafka_ConfigResource_error(results[0]))
      << rd_kafka_ConfigResource_error_string(results[0]);
}

TEST_F(Oversized, FailStopsBeforeTheRecordAndARestartAfterTheFixCopiesEverything) {
  for (const std::string delivery : {"at-least-once", "exactly-once"}) {
    prefix_ = unique_name(delivery);  // each sidecar sees only its own topic
    const std::string topic = prefix_ + ".refusing";
    Cluster(kEast).create_topic(topic, 1);
    Cluster(kWest).create_topic(topic, 1, {{"max.message.bytes", "100000"}});
    const std::string extra = "delivery: " + delivery + "\n";
    auto sidecar = start_sidecar("west", "east", "", extra);
    write_with_big_record(topic);
    for (int run = 0; run < 2; ++run) {
      if (run > 0) sidecar = start_sidecar("west", "east", "", extra);
      ASSERT_TRUE(wait_until([&] { return !sidecar->running(); }, 90s)) << delivery;
      EXPECT_EQ(sidecar->terminate(), 1) << delivery << "\n" << log_of(*sidecar);
      const std::string log = log_of(*sidecar);
      EXPECT_THAT(log, HasSubstr("record " + topic + "[0]@100 is 200")) << delivery;
      EXPECT_THAT(log, HasSubstr("bytes, over the max.message.bytes of the target topic " + topic +
                                 " (100000)"))
          << delivery;
      EXPECT_THAT(log, HasSubstr("errors.oversized: skip")) << delivery;
      EXPECT_EQ(committed_on_east(topic), 100) << delivery << ": the commit stops at the record";
    }
    auto before = read_all(kWest, topic, 100, 10s);
    EXPECT_EQ(values_in_order(before), values_in_order(records("east", 0, 100, 1)))
        << delivery << ": nothing after the refused record";

    set_topic_config(topic, "max.message.bytes", "300000");
    sidecar = start_sidecar("west", "east", "", extra);
    auto got = read_all(kWest, topic, 201, 90s);
    auto want = records("east", 0, 201, 1);
    want[100].value = std::string(200000, 'x');
    EXPECT_EQ(values_in_order(got), values_in_order(want)) << delivery << log_of(*sidecar);
    EXPECT_TRUE(await_flow_committed("west", "east", topic, 1)) << delivery;
    EXPECT_EQ(sidecar->terminate(), 0) << delivery << log_of(*sidecar);
  }
}

TEST_F(Oversized, SkipCopiesTheRestInOrderAndDeadLettersTheRecord) {
  for (const std::string delivery : {"at-least-once", "exactly-once"}) {
    prefix_ = unique_name(delivery);
    const std::string topic = prefix_ + ".refusing";
    Cluster(kEast).create_topic(topic, 1);
    Cluster(kWest).create_topic(topic, 1, {{"max.message.bytes", "100000"}});
    auto sidecar = start_sidecar("west", "east", "",
                                 "delivery: " + delivery + "\nerrors: { oversized: skip }\n");
    write_with_big_record(topic);
    auto got = read_all(kWest, topic, 200, 90s);
    EXPECT_EQ(values_in_order(got), ordinary_ids()) << delivery << log_of(*sidecar);
    EXPECT_TRUE(await_flow_committed("west", "east", topic, 1)) << delivery;

    // duplex.dlq is shared by every test: this topic's dead letters are the ones naming it.
    std::vector<TestRecord> letters;
    const auto in_dlq =
        static_cast<size_t>(std::max<int64_t>(0, count_records(kWest, "duplex.dlq")));
    for (auto& r : read_all(kWest, "duplex.dlq", in_dlq, 30s)) {
      if (r.header("duplex.dlq.topic") == topic) letters.push_back(r);
    }
    ASSERT_EQ(letters.size(), 1u) << delivery;
    const auto& letter = letters[0];
    EXPECT_EQ(letter.header("duplex.dlq.reason"), "oversized");
    EXPECT_EQ(letter.header("duplex.dlq.partition"), "0");
    EXPECT_EQ(letter.header("duplex.dlq.offset"), "100");
    EXPECT_THAT(letter.header("duplex.dlq.detail").value_or(""),
                HasSubstr("over the max.message.bytes of the target topic " + topic + " (100000)"));
    EXPECT_EQ(letter.header("duplex.origin"), "east");
    EXPECT_EQ(letter.value, std::string(200000, 'x'));
    EXPECT_EQ(letter.key, records("east", 100, 1, 1)[0].key);

    const std::string text = metrics::http_get(metrics_port("west"), "/metrics");
    EXPECT_EQ(
        metrics::sum_samples(text, "duplex_records_dead_lettered_total",
                             {{"flow", "east->west"}, {"topic", topic}, {"reason", "oversized"}}),
        1)
        << delivery << "\n"
        << text;
    EXPECT_EQ(sidecar->terminate(), 0) << delivery << log_of(*sidecar);
  }
}

}  // namespace
}  // namespace duplex::testing
