// Bad input end to end, between two in-process mock clusters: records whose duplex.origin
// header is malformed or names no region, and a record larger than the target's producer
// takes (the mock has no DescribeConfigs: the producer's message.max.bytes is the limit).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kafka/mock_cluster.h"
#include "replicator/sidecar.h"
#include "tests/support/bad_origins.h"
#include "tests/support/running_sidecar.h"
#include "tests/support/test_records.h"

namespace duplex {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunningSidecar;
using testing::sidecar_config;
using testing::TestRecord;

class BadInputMock : public testing::MockRegions {
 protected:
  BadInputMock() : MockRegions(1) {}
};

TEST_F(BadInputMock, MalformedOriginsAreCopiedAsTheSourcesAndUnknownRegionsAreNot) {
  const auto written = testing::records_with_bad_origins();
  testing::produce_records(east_.bootstrap(), "orders", written);
  auto config = sidecar_config("west", "east", bootstraps_);
  config.clusters["east"]["sasl.password"] = "hunter2-secret-value";  // unused without SASL
  RunningSidecar west(config);
  auto copied = testing::read_all(west_.bootstrap(), "orders", 5, 30s, 1s);
  ASSERT_TRUE(testing::wait_until([&] { return west.counters().skipped_other_origin == 1; }, 10s));
  EXPECT_EQ(west.stop(), 0);

  std::vector<std::string> values;
  for (const auto& r : copied) {
    values.push_back(r.value.value_or(""));
    EXPECT_EQ(testing::origin_headers(r), 1u)
        << *r.value << ": one origin header, not the bad one too";
    EXPECT_EQ(r.header("duplex.origin"), "east") << *r.value;
  }
  EXPECT_EQ(values, testing::copied_of_bad_origins());
  const std::string metrics = west.scrape();
  EXPECT_THAT(metrics, HasSubstr("duplex_records_malformed_origin_total{flow=\"east->west\","
                                 "topic=\"orders\"} 4"));
  EXPECT_THAT(metrics, HasSubstr("duplex_records_skipped_total{flow=\"east->west\",reason="
                                 "\"filtered\",topic=\"orders\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("duplex_records_skipped_total{flow=\"east->west\",reason="
                                 "\"loop\",topic=\"orders\"} 1"));
  // /metrics names flows and topics, never a config value.
  EXPECT_THAT(metrics, Not(HasSubstr("hunter2")));
  EXPECT_THAT(metrics, Not(HasSubstr(east_.bootstrap())));
}

class OversizedMock : public BadInputMock {
 protected:
  void run(config::Delivery delivery) {
    std::vector<TestRecord> written;
    for (int i = 0; i < 20; ++i) {
      written.push_back(
          testing::record_from(i == 10 ? std::string(20000, 'x') : "v" + std::to_string(i)));
    }
    testing::produce_records(east_.bootstrap(), "orders", written);
    auto config = sidecar_config("west", "east", bootstraps_);
    config.delivery = delivery;
    config.oversized = config::OversizedPolicy::skip;
    config.clusters["west"]["message.max.bytes"] = "10000";
    RunningSidecar west(config);
    auto copied = testing::read_all(west_.bootstrap(), "orders", 19, 30s, 1s);
    auto letters = testing::read_all(west_.bootstrap(), "duplex.dlq", 1, 30s, 1s);
    ASSERT_TRUE(testing::wait_until([&] { return west.counters().dead_lettered == 1; }, 10s));
    EXPECT_EQ(west.stop(), 0);

    std::vector<std::string> values;
    for (const auto& r : copied) values.push_back(r.value.value_or(""));
    std::vector<std::string> want;
    for (int i = 0; i < 20; ++i) {
      if (i != 10) want.push_back("v" + std::to_string(i));
    }
    EXPECT_EQ(values, want) << "everything else, in order";
    ASSERT_EQ(letters.size(), 1u);
    // Too large for duplex.dlq as well (the same producer limit): its metadata only.
    EXPECT_EQ(letters[0].value.value_or(""), "");
    EXPECT_EQ(letters[0].header("duplex.dlq.metadata-only"), "true");
    EXPECT_EQ(letters[0].header("duplex.dlq.reason"), "oversized");
    EXPECT_EQ(letters[0].header("duplex.dlq.topic"), "orders");
    EXPECT_EQ(letters[0].header("duplex.dlq.partition"), "0");
    EXPECT_EQ(letters[0].header("duplex.dlq.offset"), "10");
    EXPECT_THAT(letters[0].header("duplex.dlq.detail").value_or(""),
                HasSubstr("over the message.max.bytes of the producer on the target cluster "
                          "(10000)"));
    EXPECT_THAT(west.scrape(), HasSubstr("duplex_records_dead_lettered_total{flow=\"east->west\","
                                         "reason=\"oversized\",topic=\"orders\"} 1"));
  }
};

TEST_F(OversizedMock, AtLeastOnceWritesItToTheDeadLetterTopic) {
  run(config::Delivery::at_least_once);
}

TEST_F(OversizedMock, ExactlyOnceWritesItToTheDeadLetterTopicInTheTransaction) {
  run(config::Delivery::exactly_once);
}

}  // namespace
}  // namespace duplex
