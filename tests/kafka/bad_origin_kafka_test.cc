// Malformed and unknown duplex.origin headers between two real brokers, exactly once (the mock
// tier covers at least once): what the README's loop-prevention rule says, with real record
// batches, headers of 10 KiB and bytes that are not UTF-8.
#include <gmock/gmock.h>

#include "kafka/timestamps.h"
#include "metrics/exposition.h"
#include "metrics/http_get.h"
#include "tests/support/bad_origins.h"
#include "tests/support/two_regions.h"

namespace duplex::testing {
namespace {

using BadOriginKafka = TwoRegions;

TEST_F(BadOriginKafka, MalformedOriginsAreCopiedAsTheSourcesAndUnknownRegionsAreNot) {
  const std::string topic = prefix_ + ".orders";
  Cluster(kEast).create_topic(topic, 1);
  auto written = records_with_bad_origins();
  // Now, not their fixed old timestamp: retention would delete them on the brokers.
  for (auto& r : written) r.timestamp = kafka::now_ms();
  produce_records(kEast, topic, written);
  auto sidecar = start_sidecar("west", "east", "", "delivery: exactly-once\n");
  ASSERT_TRUE(await_flow_committed("west", "east", topic, 1)) << log_of(*sidecar);
  const std::string metrics = metrics::body_of(metrics::http_get(metrics_port("west"), "/metrics"));
  auto got = read_all(kWest, topic, copied_of_bad_origins().size(), 30s, 1s);
  EXPECT_EQ(sidecar->terminate(), 0) << log_of(*sidecar);

  std::vector<std::string> values;
  for (const auto& r : got) {
    values.push_back(r.value.value_or(""));
    EXPECT_EQ(origin_headers(r), 1u) << *r.value << ": one origin header, not the bad one too";
    EXPECT_EQ(r.header("duplex.origin"), "east") << *r.value;
  }
  EXPECT_EQ(values, copied_of_bad_origins());
  const metrics::Labels labels{{"topic", topic}};
  EXPECT_EQ(metrics::sum_samples(metrics, "duplex_records_malformed_origin_total", labels),
            kMalformedOfBadOrigins);
  EXPECT_EQ(metrics::sum_samples(metrics, "duplex_records_skipped_total",
                                 {{"topic", topic}, {"reason", "filtered"}}),
            1);
  EXPECT_EQ(metrics::sum_samples(metrics, "duplex_records_skipped_total",
                                 {{"topic", topic}, {"reason", "loop"}}),
            1);
}

}  // namespace
}  // namespace duplex::testing
