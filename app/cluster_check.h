#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "config/config.h"

namespace duplex::app {

// Waits, all at once, for each of `regions`' clusters to answer within `wait`
// (kafka/cluster_probe.h). Returns one line per cluster that did not: empty when all did.
std::vector<std::string> silent_clusters(const config::Config& config,
                                         const std::vector<std::string>& regions,
                                         std::chrono::milliseconds wait,
                                         const std::atomic<bool>* stop = nullptr);

// The clusters `duplex run` uses: the home region's and every flow's source.
std::vector<std::string> clusters_of(const config::Config& config);

// How long status and failover wait for a cluster: they answer an operator, now.
inline constexpr std::chrono::seconds kCommandClusterWait{15};

}  // namespace duplex::app
