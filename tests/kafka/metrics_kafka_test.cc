// What an operator sees on a sidecar's endpoint while it copies between real clusters, and
// while a broker is away: counters that match the copy, lag that grows and drains, readiness.
#include <gmock/gmock.h>

#include <csignal>
#include <cstdlib>

#include "metrics/exposition.h"
#include "metrics/http_get.h"
#include "tests/support/command.h"
#include "tests/support/group_consumer.h"
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

TEST_F(MetricsKafka, StatusReadsTheSidecarOrTheClustersWhenItIsPausedOrDown) {
  // The pause below (writes, then status calls that wait out the frozen endpoint until the
  // checkpoint is 3 s old) must stay inside the session: at least once re-copies what a lost
  // assignment had copied meanwhile.
  session_timeout_ms_ = 30000;
  const std::string topic = prefix_ + ".watched";
  Cluster east(kEast);
  east.create_topic(topic, 3);
  produce_records(kEast, topic, records("east", 0, 1000, 3));
  auto west_sidecar = start_sidecar("west", "east", "", "checkpoint: { interval: 1s }\n");
  GroupConsumer(kEast, prefix_ + ".app", topic).read(400, 60s);  // a group to checkpoint
  const std::string status = env_or("DUPLEX_BINARY", DUPLEX_BINARY) +
                             " status --output json --config " + config_path("west").string();
  auto figure = [](const Outcome& o, const std::string& name) {  // -1: null or absent
    auto at = o.output.find("\"" + name + "\":");
    if (at == std::string::npos || o.output.compare(at + name.size() + 3, 4, "null") == 0) {
      return -1.0;
    }
    return std::atof(o.output.c_str() + at + name.size() + 3);
  };
  const int port = metrics_port("west");
  auto metrics_lag = [&] {
    std::string metrics = metrics::body_of(metrics::http_get(port, "/metrics"));
    if (metrics.find("duplex_lag_records{") == std::string::npos) return -1.0;
    return metrics::sum_samples(metrics, "duplex_lag_records", {{"topic", topic}});
  };

  // Sidecar up: figures from its endpoint; caught up, checkpoints fresh.
  Outcome up;
  EXPECT_TRUE(wait_until(
      [&] {
        up = run_command(status);
        return figure(up, "partitions") >= 3 && figure(up, "lag") == 0 &&
               figure(up, "checkpoint_age_seconds") >= 0;
      },
      60s))
      << up.output << log_of(*west_sidecar);
  EXPECT_EQ(up.exit_code, 0) << up.output;
  EXPECT_THAT(up.output, ::testing::HasSubstr("\"sidecar\":true"));
  EXPECT_LT(figure(up, "checkpoint_age_seconds"), 10) << up.output;

  // Committed first: a pause past the session timeout loses the assignment, and at least once
  // re-copies what the flow had not committed.
  ASSERT_TRUE(await_flow_committed("west", "east", topic, 3));

  // Sidecar paused (SIGSTOP) while the producer keeps writing: its endpoint cannot answer, so
  // status reads the clusters: lag from the flow's commits grows with what was written, and
  // the newest checkpoint ages.
  west_sidecar->signal(SIGSTOP);
  produce_records(kEast, topic, records("east", 1000, 500, 3));
  Outcome paused;
  EXPECT_TRUE(wait_until(
      [&] {
        paused = run_command(status);
        return figure(paused, "lag") >= 500 && figure(paused, "checkpoint_age_seconds") >= 3;
      },
      20s))
      << paused.output;
  EXPECT_EQ(paused.exit_code, 0) << paused.output;
  EXPECT_THAT(paused.output, ::testing::HasSubstr("sidecar not answering"));

  // Resumed: it copies what was written meanwhile and its own lag gauge drains to 0.
  west_sidecar->signal(SIGCONT);
  EXPECT_TRUE(wait_until([&] { return metrics_lag() == 0; }, 60s)) << log_of(*west_sidecar);
  {
    auto got = read_all(kWest, topic, 1500, 30s);
    auto [missing, duplicates] = missing_and_duplicates(records("east", 0, 1500, 3), got);
    EXPECT_EQ(missing, 0u);
    EXPECT_EQ(duplicates, 0u) << log_of(*west_sidecar);
  }

  // Stopped: the same fallback, and the lag still counts what the source holds.
  EXPECT_EQ(west_sidecar->terminate(), 0) << log_of(*west_sidecar);
  produce_records(kEast, topic, records("east", 1500, 200, 3));
  Outcome down = run_command(status);
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_THAT(down.output, ::testing::HasSubstr("\"sidecar\":false"));
  EXPECT_GE(figure(down, "lag"), 200) << down.output;
}

}  // namespace
}  // namespace duplex::testing
