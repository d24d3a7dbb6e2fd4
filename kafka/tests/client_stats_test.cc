#include "kafka/client_stats.h"

#include <gtest/gtest.h>

namespace duplex::kafka {

TEST(ClientStats, ReadsQueueDepthAndSlowestBrokerRtt) {
  // librdkafka 2.0.2's statistics, trimmed, with its own spacing: top-level msg_cnt, then
  // brokers with rtt windows (and other windows whose avg must not be taken for rtt).
  const char* json =
      R"({ "name": "p#producer-1", "type": "producer", "ts":1, "msg_cnt":42, "msg_size":4200, )"
      R"("brokers":{ "b1":{ "name":"b1", "msg_cnt":7, "rtt": { "min":100, "max":900, "avg":2500, )"
      R"("sum":1, "cnt":3 }, "int_latency": { "avg":99999999 } }, "b2":{ "rtt": { "min":0, )"
      R"("max":0, "avg":12000, "cnt":1 } } }, "topics":{ "t":{ "partitions":{ "0":{ "msg_cnt":5 } } } } })";
  auto stats = parse_client_stats(json);
  EXPECT_EQ(stats.queued_messages, 42);
  EXPECT_DOUBLE_EQ(stats.max_broker_rtt_seconds, 0.012);
}

TEST(ClientStats, MissingFieldsAreUnknown) {
  auto stats = parse_client_stats(R"({"name":"c","brokers":{}})");
  EXPECT_EQ(stats.queued_messages, -1);
  EXPECT_EQ(stats.max_broker_rtt_seconds, -1);
}

}  // namespace duplex::kafka
