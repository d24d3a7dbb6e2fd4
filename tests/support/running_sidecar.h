#pragma once
// Sidecars run in-process against mock clusters, on their own threads: for the mock tests.

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "config/config.h"
#include "kafka/mock_cluster.h"
#include "metrics/replication_metrics.h"
#include "replicator/sidecar.h"

namespace duplex::testing {

using namespace std::chrono_literals;

// The sidecar of `home` pulling from `source`, every region's cluster at its bootstrap.
inline config::Config sidecar_config(const std::string& home, const std::string& source,
                                     const std::map<std::string, std::string>& bootstraps) {
  config::Config c;
  c.region = home;
  for (const auto& [region, bootstrap] : bootstraps) {
    // The mock's coordinator waits out a departed member's session: keep it short.
    c.clusters[region] = {{"bootstrap.servers", bootstrap}, {"session.timeout.ms", "6000"}};
  }
  config::Flow flow;
  flow.source = source;
  flow.topics.refresh = 500ms;
  c.flows.push_back(flow);
  return c;
}

inline replicator::FlowOptions fast_options() {
  replicator::FlowOptions o;
  o.commit_interval = 200ms;
  o.admin_timeout = 5s;
  // The mock has no DescribeConfigs: its sidecars start on the producer's limit, without the
  // wait that would let a test stop one before its first assignment (librdkafka 2.0.2 then
  // aborts on the cooperative-sticky assignor's missing state, librdkafka#4312).
  o.limits_timeout = 100ms;
  o.heartbeat_interval = 0ms;  // off: these tests count records; heartbeats have their own
  o.checkpoints = false;       // the mock has no ListGroups
  return o;
}

// A sidecar on its own thread, stopped (and joined) on destruction.
class RunningSidecar {
 public:
  explicit RunningSidecar(const config::Config& config,
                          replicator::FlowOptions options = fast_options())
      : sidecar_(config, stop_, metrics_, options),
        thread_([this] { exit_code_ = sidecar_.run(); }) {}
  ~RunningSidecar() { stop(); }
  int stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return exit_code_;
  }
  const replicator::FlowCounters& counters() const { return sidecar_.flows()[0]->counters(); }
  std::string scrape() const { return metrics_.serialize(); }

 private:
  std::atomic<bool> stop_{false};
  metrics::ReplicationMetrics metrics_{"test"};
  replicator::Sidecar sidecar_;
  int exit_code_ = -1;
  std::thread thread_;
};

// Two regions, east and west, each a mock cluster with `orders` and duplex's own topics.
// DUPLEX_TEST_LOG in the environment shows the sidecars' info lines.
class MockRegions : public ::testing::Test {
 protected:
  explicit MockRegions(int partitions) : partitions_(partitions) {}
  void SetUp() override {
    spdlog::set_level(getenv("DUPLEX_TEST_LOG") ? spdlog::level::info : spdlog::level::warn);
    for (auto* cluster : {&east_, &west_}) cluster->create_topic("orders", partitions_);
    east_.create_duplex_topics({"west"});
    west_.create_duplex_topics({"east"});
    bootstraps_ = {{"east", east_.bootstrap()}, {"west", west_.bootstrap()}};
  }

  int partitions_;
  kafka::MockCluster east_;
  kafka::MockCluster west_;
  std::map<std::string, std::string> bootstraps_;
};

}  // namespace duplex::testing
