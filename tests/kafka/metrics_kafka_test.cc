// What an operator sees on a sidecar's endpoint while it copies between real clusters, and
// while a broker is away: counters that match the copy, lag that grows and drains, readiness.
#include <gmock/gmock.h>

#include <cstdlib>

#include "metrics/exposition.h"
#include "metrics/http_get.h"
#include "tests/support/command.h"
#include "tests/support/two_regions.h"

namespace duplex::testing {
namespace {

using MetricsKafka = TwoRegions;

TEST_F(MetricsKafka, CountersLagAndReadinessFollowTheCopy) {
  const std::string topic = prefix_ + ".metered";
  Cluster east(kEast);
  east.create_topic(topic, 2);
  auto west_sidecar = start_sidecar("west", "east");
  const int port = metrics_port("west");
  const std::map<std::string, std::string> labels = {{"flow", "east->west"}, {"topic", topic}};
  double copied = 0, lag = -1, last_copied = 0;
  bool monotonic = true;
  auto scrape = [&] {
    std::string metrics = metrics::body_of(metrics::http_get(port, "/metrics"));
    copied = metrics::sum_samples(metrics, "duplex_records_copied_total", labels);
    lag = metrics.find("duplex_lag_records") == std::string::npos
              ? -1
              : metrics::sum_samples(metrics, "duplex_lag_records", labels);
    monotonic = monotonic && copied >= last_copied;
    last_copied = copied;
  };
  auto status_of = [&](const std::string& path) {
    return metrics::http_get(port, path).substr(0, 12);
  };

  // 1. The counter matches the records copied; lag drains to 0 once caught up.
  produce_records(kEast, topic, records("east", 0, 3000, 2));
  ASSERT_TRUE(wait_until([&] { return scrape(), copied == 3000 && lag == 0; }, 60s))
      << "copied " << copied << ", lag " << lag << "\n"
      << log_of(*west_sidecar);
  EXPECT_TRUE(wait_until([&] { return status_of("/readyz") == "HTTP/1.1 200"; }, 30s));
  EXPECT_EQ(status_of("/healthz"), "HTTP/1.1 200");

  // 2. Target down: nothing is acknowledged, so lag grows with the source; back up, it drains.
  Brokers brokers;
  brokers.stop("west");
  produce_records(kEast, topic, records("east", 3000, 2000, 2));
  EXPECT_TRUE(wait_until([&] { return scrape(), lag >= 2000; }, 30s)) << "lag " << lag;
  brokers.start("west");
  EXPECT_TRUE(wait_until([&] { return scrape(), copied == 5000 && lag == 0; }, 90s))
      << "copied " << copied << ", lag " << lag << "\n"
      << log_of(*west_sidecar);
  EXPECT_TRUE(monotonic) << "a counter went backwards";

  // 3. Source down: not ready, with a reason; ready again once it is back.
  brokers.stop("east");
  EXPECT_TRUE(wait_until([&] { return status_of("/readyz") == "HTTP/1.1 503"; }, 45s));
  EXPECT_THAT(metrics::body_of(metrics::http_get(port, "/readyz")),
              ::testing::HasSubstr("not reachable"));
  EXPECT_EQ(status_of("/healthz"), "HTTP/1.1 200");  // alive, only not ready
  brokers.start("east");
  EXPECT_TRUE(wait_until([&] { return status_of("/readyz") == "HTTP/1.1 200"; }, 60s))
      << log_of(*west_sidecar);

  EXPECT_EQ(west_sidecar->terminate(), 0) << log_of(*west_sidecar);
  auto got = read_all(kWest, topic, 5000, 30s);
  auto [missing, duplicates] = missing_and_duplicates(records("east", 0, 5000, 2), got);
  EXPECT_EQ(missing, 0u) << "read " << got.size() << " of the " << count_records(kWest, topic)
                         << " records the target holds";
  EXPECT_EQ(duplicates, 0u);
}

TEST_F(MetricsKafka, StatusReadsTheSidecarOrTheSourceWhenItIsDown) {
  const std::string topic = prefix_ + ".watched";
  Cluster east(kEast);
  east.create_topic(topic, 3);
  produce_records(kEast, topic, records("east", 0, 1000, 3));
  auto west_sidecar = start_sidecar("west", "east");
  const std::string config = (dir_ / "west.yaml").string();
  const std::string status =
      env_or("DUPLEX_BINARY", DUPLEX_BINARY) + " status --output json --config " + config;
  ASSERT_TRUE(wait_until([&] { return count_records(kWest, topic) == 1000; }, 60s))
      << log_of(*west_sidecar);

  // Sidecar up: figures from its endpoint; caught up.
  Outcome up;
  EXPECT_TRUE(wait_until(
      [&] { return up = run_command(status), up.output.find("\"lag\":0,") != std::string::npos; },
      30s))
      << up.output;
  EXPECT_EQ(up.exit_code, 0) << up.output;
  EXPECT_THAT(up.output, ::testing::HasSubstr("\"sidecar\":true"));

  // Sidecar down: lag from the source group's commits, which now trail by what was written.
  EXPECT_EQ(west_sidecar->terminate(), 0) << log_of(*west_sidecar);
  produce_records(kEast, topic, records("east", 1000, 500, 3));
  Outcome down = run_command(status);
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_THAT(down.output, ::testing::HasSubstr("\"sidecar\":false"));
  EXPECT_THAT(down.output, ::testing::HasSubstr("sidecar not answering"));
  auto lag_at = down.output.find("\"lag\":");
  ASSERT_NE(lag_at, std::string::npos) << down.output;
  EXPECT_GE(std::stol(down.output.substr(lag_at + 6)), 500) << down.output;
}

}  // namespace
}  // namespace duplex::testing
