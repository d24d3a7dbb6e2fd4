#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "config/config.h"
#include "replicator/flow.h"

namespace duplex::replicator {

// Runs every flow of a config, one thread each, until `stop` is set or a flow fails; a failed
// flow stops the others, so the process exits non-zero and its supervisor restarts it whole.
class Sidecar {
 public:
  Sidecar(const config::Config& config, const std::atomic<bool>& stop, FlowOptions options = {});

  // 0 after a clean stop, 1 when any flow failed.
  int run();

  const std::vector<std::unique_ptr<Flow>>& flows() const { return flows_; }

 private:
  const std::atomic<bool>& stop_;
  std::atomic<bool> stop_flows_{false};
  std::vector<std::unique_ptr<Flow>> flows_;
};

}  // namespace duplex::replicator
