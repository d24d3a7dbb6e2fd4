#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "conflict/index_readiness.h"
#include "conflict/key_index.h"
#include "conflict/region_ranks.h"
#include "kafka/topic_admin.h"
#include "metrics/replication_metrics.h"
#include "offsets/offset_records.h"
#include "replicator/conflict_stage.h"
#include "replicator/copy_loop.h"
#include "replicator/flow_metrics.h"
#include "replicator/inflight_budget.h"
#include "replicator/kafka_conflict_audit.h"
#include "replicator/kafka_record_writer.h"
#include "replicator/kafka_source.h"
#include "replicator/lag_monitor.h"
#include "replicator/sink.h"
#include "replicator/topic_watcher.h"

namespace duplex::replicator {

// Tunables with defaults that suit a sidecar; tests shorten them.
struct FlowOptions {
  size_t max_inflight_bytes = 64u << 20;  // stop taking records beyond this much unacknowledged
  size_t max_inflight_records = 50000;    // ... or this many records (librdkafka queues 100k;
                                          // twice as many in exactly-once mode)
  std::chrono::milliseconds hold_before_pause{1000};  // then pause the fetch
  // Offset syncs and source commits: the newest copy they record bounds the RPO that failover
  // reports (a second here read up to 1.5 s under load over a 100 ms link).
  std::chrono::milliseconds commit_interval{250};
  // Stopping: in-flight records get flush_timeout, the final commit commit_timeout, leaving the
  // group close_timeout; with brokers gone each ends at its bound.
  std::chrono::milliseconds flush_timeout{10000};
  std::chrono::milliseconds commit_timeout{5000};
  std::chrono::milliseconds close_timeout{5000};
  std::chrono::milliseconds admin_timeout{15000};
  // How long a topic refresh waits for the target topics' max.message.bytes (TopicWatcher).
  std::chrono::milliseconds limits_timeout{2000};
  std::chrono::milliseconds lag_interval{2000};        // how often lag gauges are refreshed
  std::chrono::milliseconds heartbeat_interval{1000};  // 0: write no heartbeats
  bool checkpoints = true;
  // Checkpoint these groups instead of listing the source's groups (the mock cluster has no
  // ListGroups); empty: list them.
  std::vector<std::string> checkpoint_groups;
};

// What the flows of a sidecar share for last-writer-wins (Sidecar owns them).
struct FlowConflict {
  const conflict::RegionRanks& ranks;
  conflict::KeyIndex& index;
  conflict::IndexReadiness& readiness;  // the home reader
};

// One flow: pulls records from a remote (source) cluster into the home (target) cluster. It
// puts the copy pipeline together and runs it:
//
//   KafkaSource ─► CopyLoop ─► IdempotentSink (at-least-once) or TransactionalSink ─► target
//                    ▲   │  └─ ConflictStage (when some topic is last-writer-wins)
//   TopicWatcher ────┘   └────► LagMonitor
//
// Threads: run() is the copy loop's; TopicWatcher, LagMonitor and the consumer's FetchNudger
// each have their own; exactly-once adds a thread per partition (and one per partition while
// it starts). They share only what their headers say: plans and lag samples through locks,
// counters and metrics through atomics.
class Flow {
 public:
  // `conflict`: set when some topic is last-writer-wins.
  Flow(const config::Config& config, const config::Flow& flow, const std::atomic<bool>& stop,
       metrics::ReplicationMetrics& metrics, FlowOptions options = {},
       std::optional<FlowConflict> conflict = std::nullopt);
  ~Flow();
  Flow(const Flow&) = delete;
  Flow& operator=(const Flow&) = delete;

  // Copies until `stop` is set (then exits cleanly: 0) or a failure ends the flow (1).
  int run();

  const FlowCounters& counters() const { return metrics_.counters(); }
  const std::string& name() const { return metrics_.flow(); }
  const std::string& group_id() const { return group_id_; }
  // The source consumer group of the flow from `source` into `home`.
  static std::string group_id_for(const std::string& home, const std::string& source) {
    return offsets::flow_group_id(home, source);
  }

 private:
  std::string group_id_;
  std::string instance_id_;  // static membership when not empty
  FlowMetrics metrics_;
  InflightBudget budget_;
  std::chrono::milliseconds close_timeout_;
  std::unique_ptr<KafkaSource> source_;
  std::unique_ptr<KafkaRecordWriter> writer_;  // at-least-once: the sink's producer
  kafka::HandlePtr target_client_;             // exactly-once: for the target's metadata
  std::unique_ptr<kafka::TopicAdmin> source_admin_;
  std::unique_ptr<kafka::TopicAdmin> target_admin_;
  std::unique_ptr<Sink> sink_;
  std::unique_ptr<TopicWatcher> watcher_;
  std::unique_ptr<LagMonitor> lag_;
  std::unique_ptr<KafkaConflictAudit> audit_;      // with conflict.audit
  std::unique_ptr<ConflictStage> conflict_stage_;  // last-writer-wins
  std::unique_ptr<CopyLoop> loop_;
};

}  // namespace duplex::replicator
