#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "replicator/flow_metrics.h"
#include "replicator/source.h"
#include "replicator/topic_feed.h"

namespace duplex::replicator {

// Keeps a flow's lag gauges (duplex_lag_records) and its source silence gauge, on a thread of
// its own: the lag of a paused partition needs its watermark asked from the broker, and the
// copy loop never waits on the network.
//
// lag = source high watermark - the next offset to copy (after what the target acknowledged,
// so a target that is down shows as growing lag). The gauges are this thread's alone: it adds
// one per assigned partition and removes those no longer published.
class LagMonitor : public LagBoard {
 public:
  LagMonitor(Source& source, FlowMetrics& metrics);
  ~LagMonitor() override;  // stops the thread, removes the gauges
  LagMonitor(const LagMonitor&) = delete;
  LagMonitor& operator=(const LagMonitor&) = delete;

  void publish(std::vector<LagSample> samples, bool paused) override;

 private:
  void run();
  void update(const std::vector<LagSample>& samples, bool paused);

  Source& source_;
  FlowMetrics& metrics_;
  const std::chrono::steady_clock::time_point started_;
  std::map<TopicPartition, prometheus::Gauge*> gauges_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<std::vector<LagSample>> samples_;  // published, not yet shown
  bool paused_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace duplex::replicator
