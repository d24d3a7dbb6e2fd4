#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "config/topic_namer.h"
#include "config/topic_selector.h"
#include "kafka/fetch_nudger.h"
#include "kafka/handles.h"
#include "kafka/log_reader.h"
#include "kafka/topic_admin.h"
#include "metrics/replication_metrics.h"
#include "offsets/run_builder.h"
#include "replicator/origin_filter.h"
#include "replicator/partition_progress.h"
#include "replicator/sync_gate.h"
#include "replicator/topic_mirror.h"
#include "replicator/transactional_partition.h"

namespace duplex::replicator {

// Tunables with defaults that suit a sidecar; tests shorten them.
struct FlowOptions {
  size_t max_inflight_bytes = 64u << 20;  // stop taking records beyond this much unacknowledged
  size_t max_inflight_records = 50000;    // ... or this many records (librdkafka queues 100k)
  std::chrono::milliseconds hold_before_pause{1000};  // then pause the fetch
  std::chrono::milliseconds commit_interval{1000};
  std::chrono::milliseconds flush_timeout{10000};
  std::chrono::milliseconds admin_timeout{15000};
  std::chrono::milliseconds lag_interval{2000};        // how often lag gauges are refreshed
  std::chrono::milliseconds heartbeat_interval{1000};  // 0: write no heartbeats
  bool checkpoints = true;
  // Checkpoint these groups instead of listing the source's groups (the mock cluster has no
  // ListGroups); empty: list them.
  std::vector<std::string> checkpoint_groups;
};

// Running totals, readable from other threads.
struct FlowCounters {
  std::atomic<uint64_t> records_received{0};  // taken from the source, copied or not
  std::atomic<uint64_t> records_copied{0};
  std::atomic<uint64_t> bytes_copied{0};
  std::atomic<uint64_t> skipped_loop{0};          // origin is the home region
  std::atomic<uint64_t> skipped_other_origin{0};  // mesh: another flow brings it directly
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> offset_syncs{0};  // offset-sync runs written
  std::atomic<uint64_t> assigned_partitions{0};
  std::atomic<bool> assignment_received{false};
  std::atomic<int64_t> last_loop_ms{0};        // steady clock; the loop is alive
  std::atomic<int64_t> last_refresh_ok_ms{0};  // both clusters answered a topic listing
};

// One flow: pulls records from a remote (source) cluster into the home (target) cluster.
//
//   source ─poll─► [1 judge origin] ─► [2 produce to partition p] ─► target
//                        │ loop                   │ delivery report
//                        ▼                        ▼
//               [PartitionProgress: settle offsets in order] ─[3 commit]─► source group
//
// 1. Each polled record is judged by OriginFilter; a loop is settled at once, never written.
// 2. The rest goes to the same partition of the target topic: key, value, timestamp and headers
//    unchanged, `duplex.origin` stamped when missing.
// 3. Every commit_interval, the settled copies of each partition are written as offset-sync
//    runs to duplex.offset-syncs.<source> on the target; once those are acknowledged, the
//    settled prefix is committed on the source group: a crash re-copies at most what came
//    after it and loses nothing, and no commit passes a copy whose run is not written.
// 4. Every topics.refresh, new matching source topics are mirrored to the target (created with
//    the source's partitions and configs) and added to the subscription.
// 5. Past the in-flight bound all partitions pause, so a slow or absent target costs no memory;
//    they resume when acknowledgements bring the backlog down to half.
//
// Exactly-once (delivery: exactly-once) replaces 2 and 3: each assigned partition gets a
// TransactionalPartition, which writes the copies, their runs and the partition's progress in
// one transaction on its own thread. On assignment the flow fences the partition's earlier
// owners, reads the stored progress from duplex.progress.<source> and resumes there; the
// source group's commits then only follow the progress (for lag and checkpoints).
//
// Everything runs on the thread that calls run(): librdkafka's callbacks are served from its
// polls, so no state here is shared. Not copyable or movable: `this` is librdkafka's opaque.
class Flow {
 public:
  Flow(const config::Config& config, const config::Flow& flow, const std::atomic<bool>& stop,
       metrics::ReplicationMetrics& metrics, FlowOptions options = {});
  ~Flow();
  Flow(const Flow&) = delete;
  Flow& operator=(const Flow&) = delete;

  // Copies until `stop` is set (then exits cleanly: 0) or a failure ends the flow (1).
  int run();

  const FlowCounters& counters() const { return counters_; }
  const std::string& name() const { return name_; }
  const std::string& group_id() const { return group_id_; }
  // The source consumer group of the flow from `source` into `home`.
  static std::string group_id_for(const std::string& home, const std::string& source) {
    return offsets::flow_group_id(home, source);
  }

 private:
  // Metric references of one source topic, looked up once (not per record).
  struct TopicMetrics {
    prometheus::Counter* copied;
    prometheus::Counter* bytes;
    prometheus::Counter* loops;
    prometheus::Counter* filtered;
  };

  // The copy state of one assigned source partition. An assignment's tracker outlives its
  // revocation until the last of its records is acknowledged.
  struct Tracker {
    std::string topic;
    int32_t partition = 0;
    int64_t base_offset = -1;  // first offset produced; delivery tokens are relative to it
    PartitionProgress progress;
    std::optional<offsets::RunBuilder> runs;  // the settled copies, as offset-sync runs
    SyncGate sync_gate;                       // holds the commit until its runs are written
    std::optional<int64_t> committed;
    std::unique_ptr<TransactionalPartition> txn;  // exactly-once only
    bool revoked = false;
    int64_t first_offset = -1;  // first record consumed in this assignment: where it resumed
    TopicMetrics* metrics = nullptr;
    prometheus::Gauge* lag = nullptr;
  };
  using TopicPartition = std::pair<std::string, int32_t>;

  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);
  static void on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void on_commit(rd_kafka_t*, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* offsets, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static int on_stats(rd_kafka_t* rk, char* json, size_t json_len, void* opaque);

  void handle(kafka::MessagePtr message);
  void produce(Tracker& tracker, uint32_t tracker_id, const rd_kafka_message_t* message,
               rd_kafka_topic_t* target_topic, rd_kafka_headers_t* headers);
  void delivered(const rd_kafka_message_t* message);
  void assigned(rd_kafka_topic_partition_list_t* partitions);
  // Exactly-once: fences the partitions' earlier owners and sets where each resumes.
  bool start_transactions(rd_kafka_topic_partition_list_t* partitions,
                          const std::vector<uint32_t>& trackers);
  void stop_transactions(const std::vector<uint32_t>& trackers, bool commit);
  // Exactly-once: rewinds after aborted transactions, drops fenced partitions, sums backlog.
  void service_transactions();
  void revoked(rd_kafka_topic_partition_list_t* partitions);
  void refresh_topics();
  void subscribe(const std::vector<std::string>& topics);
  // Writes the new runs, then commit_offsets(): what is committable now.
  void commit(bool sync);
  void commit_offsets(bool sync);
  size_t write_offset_syncs(uint32_t tracker_id, Tracker& tracker);
  void ensure_offset_syncs_topic();
  void apply_backpressure(std::chrono::steady_clock::time_point now);
  void set_paused(bool paused);
  void shutdown();
  void fail(const std::string& reason);
  void retire_if_drained(uint32_t tracker_id);
  void update_lag();
  TopicMetrics* topic_metrics(const std::string& topic);
  void count_error(const char* kind);

  std::string name_;  // "east->west"
  std::string group_id_;
  std::string offset_syncs_topic_;
  std::string home_;
  kafka::Properties target_props_;
  bool exactly_once_;
  config::TransactionSettings transaction_;
  std::unique_ptr<kafka::LogReader> progress_reader_;  // exactly-once only
  std::map<std::string, int64_t> stored_progress_;     // progress key -> next offset
  const std::atomic<bool>& stop_;
  FlowOptions options_;
  std::chrono::milliseconds refresh_interval_;
  OriginFilter origin_filter_;
  config::TopicSelector selector_;
  config::TopicNamer namer_;

  kafka::HandlePtr producer_;  // declared before consumer_: destroyed after it
  kafka::HandlePtr consumer_;
  std::unique_ptr<kafka::FetchNudger> fetch_nudger_;  // stopped before consumer_ closes
  std::unique_ptr<kafka::TopicAdmin> source_admin_;
  std::unique_ptr<kafka::TopicAdmin> target_admin_;
  std::unique_ptr<TopicMirror> mirror_;

  std::map<TopicPartition, uint32_t> active_;       // assigned partition -> its tracker
  std::unordered_map<uint32_t, Tracker> trackers_;  // includes revoked ones still draining
  uint32_t next_tracker_id_ = 1;
  std::vector<std::string> subscribed_;  // sorted source topics
  // Source topic -> its target topic, with the producer's handle for it: producing by handle
  // spares librdkafka a lookup under its client-wide write lock for every record.
  struct TargetTopic {
    std::string name;
    kafka::TopicPtr handle;
  };
  std::map<std::string, TargetTopic> target_topic_;
  std::map<std::string, std::string> mirror_errors_;  // source topic -> last error logged

  size_t inflight_bytes_ = 0;
  size_t inflight_records_ = 0;
  bool holding_ = false;  // over the in-flight bound: no records taken until under half
  std::chrono::steady_clock::time_point holding_since_;
  bool paused_ = false;      // holding for longer than hold_before_pause: fetch paused
  bool commit_due_ = false;  // offset-sync runs were acknowledged since the last commit
  std::string failure_;      // non-empty once the flow has failed
  FlowCounters counters_;
  metrics::ReplicationMetrics& metrics_;
  std::map<std::string, TopicMetrics> topic_metrics_;  // by source topic
  prometheus::Histogram& latency_;
  prometheus::Gauge& source_silence_;
  prometheus::Gauge& producer_rtt_;
  prometheus::Gauge& consumer_rtt_;
  prometheus::Gauge& producer_queue_;
  std::chrono::steady_clock::time_point last_heartbeat_;  // from the source; start time before
};

}  // namespace duplex::replicator
