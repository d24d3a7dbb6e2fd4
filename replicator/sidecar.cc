#include "replicator/sidecar.h"

#include <spdlog/spdlog.h>

#include <thread>

namespace duplex::replicator {

Sidecar::Sidecar(const config::Config& config, const std::atomic<bool>& stop, FlowOptions options)
    : stop_(stop) {
  for (const auto& flow : config.flows) {
    flows_.push_back(std::make_unique<Flow>(config, flow, stop_flows_, options));
  }
}

int Sidecar::run() {
  std::vector<std::thread> threads;
  std::atomic<int> exit_code{0};
  std::atomic<size_t> running{flows_.size()};
  for (auto& flow : flows_) {
    threads.emplace_back([&, f = flow.get()] {
      if (f->run() != 0) {
        exit_code = 1;
        stop_flows_ = true;
      }
      running--;
    });
  }
  while (running > 0) {
    if (stop_.load()) stop_flows_ = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& t : threads) t.join();
  return exit_code;
}

}  // namespace duplex::replicator
