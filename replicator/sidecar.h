#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "config/config.h"
#include "conflict/home_reader.h"
#include "conflict/kafka_home_log.h"
#include "conflict/key_index.h"
#include "conflict/region_ranks.h"
#include "metrics/http_endpoint.h"
#include "metrics/replication_metrics.h"
#include "replicator/checkpointer.h"
#include "replicator/flow.h"
#include "replicator/heartbeat.h"

namespace duplex::replicator {

// Runs every flow of a config and its checkpointer, one thread each, until `stop` is set or a flow
// fails; a failed flow stops the others, so the process exits non-zero and its supervisor restarts
// it whole. When some topic is last-writer-wins it also opens the key index (conflict.index) and
// runs the home reader on a thread, shared by the flows' conflict stages; a reader that fails
// stops everything the same way.
class Sidecar {
 public:
  Sidecar(const config::Config& config, const std::atomic<bool>& stop,
          metrics::ReplicationMetrics& metrics, FlowOptions options = {});

  // 0 after a clean stop, 1 when any flow failed.
  int run();

  // /healthz: every flow's loop turned within the last 30 s.
  metrics::ProbeResult health() const;
  // /readyz: every flow has its assignment and reached both clusters recently, and the key
  // index (last-writer-wins) holds every managed partition the home reader knows.
  metrics::ProbeResult ready() const;

  // Stopping has begun: a stop was asked for, or a flow failed.
  bool stopping() const { return stop_flows_.load(); }
  // How long a stop may take, whatever the clusters do: settling in-flight records, the final
  // commit, leaving the group, and a margin for the rest (threads, destructors).
  static std::chrono::milliseconds stop_bound(const FlowOptions& options);
  // What has not stopped yet, and what it is doing: "flow east->west (committing), ...".
  std::string still_running() const;

  const std::vector<std::unique_ptr<Flow>>& flows() const { return flows_; }

 private:
  const std::atomic<bool>& stop_;
  std::atomic<bool> stop_flows_{false};
  // Last-writer-wins, or null: declared before the flows, which use them until they end.
  std::unique_ptr<conflict::KeyIndex> index_;
  std::unique_ptr<conflict::RegionRanks> ranks_;
  std::unique_ptr<conflict::KafkaHomeLog> home_log_;
  std::unique_ptr<conflict::HomeReader> reader_;
  std::vector<std::unique_ptr<Flow>> flows_;
  std::vector<std::unique_ptr<Checkpointer>> checkpointers_;  // one per flow, or none
  std::vector<std::chrono::milliseconds> refresh_intervals_;  // per flow
  std::unique_ptr<Heartbeat> heartbeat_;                      // null when switched off
};

}  // namespace duplex::replicator
