#include "app/cluster_check.h"

#include <future>

#include "kafka/cluster_probe.h"

namespace duplex::app {

std::vector<std::string> silent_clusters(const config::Config& config,
                                         const std::vector<std::string>& regions,
                                         std::chrono::milliseconds wait,
                                         const std::atomic<bool>* stop) {
  std::vector<std::future<kafka::KafkaError>> probes;
  for (const auto& region : regions) {
    probes.push_back(std::async(std::launch::async, [&, region] {
      try {
        return kafka::wait_for_cluster(region, config.clusters.at(region), wait, stop);
      } catch (const std::exception& e) {  // a client librdkafka cannot create
        return kafka::KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG, e.what());
      }
    }));
  }
  std::vector<std::string> silent;
  for (auto& probe : probes) {
    if (auto error = probe.get()) silent.push_back(error.message());
  }
  return silent;
}

std::vector<std::string> clusters_of(const config::Config& config) {
  std::vector<std::string> regions = {config.region};
  for (const auto& flow : config.flows) regions.push_back(flow.source);
  return regions;
}

}  // namespace duplex::app
