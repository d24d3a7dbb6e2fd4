#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "metrics/replication_metrics.h"

namespace duplex::replicator {

// Running totals of one flow, readable from any thread.
struct FlowCounters {
  std::atomic<uint64_t> records_received{0};  // taken from the source, copied or not
  std::atomic<uint64_t> records_copied{0};    // acknowledged (committed, exactly-once)
  std::atomic<uint64_t> bytes_copied{0};
  std::atomic<uint64_t> skipped_loop{0};          // origin is the home region
  std::atomic<uint64_t> skipped_other_origin{0};  // mesh: another flow brings it directly
  std::atomic<uint64_t> skipped_conflict{0};      // last-writer-wins: older; or a repair
  std::atomic<uint64_t> records_lost{0};          // expired on the source before copied
  std::atomic<uint64_t> dead_lettered{0};         // written to duplex.dlq, acknowledged
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> offset_syncs{0};  // offset-sync runs acknowledged
  std::atomic<uint64_t> assigned_partitions{0};
  std::atomic<bool> assignment_received{false};
  std::atomic<int64_t> last_loop_ms{0};        // steady clock: the copy loop is alive
  std::atomic<int64_t> last_refresh_ok_ms{0};  // steady clock: both clusters answered a listing
  std::atomic<int64_t> last_heartbeat_ms{0};   // steady clock: the source region's newest pulse
  // What the flow is doing, for a stop that takes too long (a string literal: never freed).
  std::atomic<const char*> phase{"starting"};
};

// The Prometheus series of one source topic, looked up once per topic, not per record.
struct TopicMetrics {
  prometheus::Counter* copied = nullptr;
  prometheus::Counter* bytes = nullptr;
  prometheus::Counter* loops = nullptr;
  prometheus::Counter* filtered = nullptr;
  prometheus::Counter* conflicts = nullptr;
  prometheus::Counter* expired = nullptr;           // lost: the source's log start passed them
  prometheus::Counter* oversized = nullptr;         // dead-lettered: too large for the target
  prometheus::Counter* malformed_origin = nullptr;  // see OriginFilter
};

// One flow's counters and metric series. Everything is thread-safe but topic(), which only
// the copy loop calls (it hands the result to the sinks).
class FlowMetrics {
 public:
  FlowMetrics(metrics::ReplicationMetrics& registry, std::string flow);
  FlowMetrics(const FlowMetrics&) = delete;
  FlowMetrics& operator=(const FlowMetrics&) = delete;

  const std::string& flow() const { return flow_; }
  metrics::ReplicationMetrics& registry() { return registry_; }
  FlowCounters& counters() { return counters_; }
  const FlowCounters& counters() const { return counters_; }

  TopicMetrics& topic(const std::string& topic);

  // `records` of `bytes` reached the target (acknowledged, or committed in a transaction).
  void copied(const TopicMetrics& topic, size_t records, size_t bytes);
  // One record reached the target at `now_ms`; it was written at `timestamp_ms` on the source.
  void latency(int64_t timestamp_ms, int64_t now_ms);
  // `records` went to duplex.dlq instead (acknowledged, or committed in a transaction).
  void dead_lettered(const TopicMetrics& topic, size_t records = 1);
  void error(std::string_view kind);
  void offset_syncs(size_t runs) { counters_.offset_syncs += runs; }

  // From a librdkafka statistics document of one of the flow's clients.
  void client_stats(bool producer, std::string_view json);
  // From a librdkafka error callback of one of the flow's clients of `cluster`: a fatal error,
  // or a refused login or permission (which librdkafka would retry for ever), is returned (the
  // flow can do no more); any other is counted and logged (librdkafka retries it).
  std::optional<std::string> client_error(rd_kafka_t* client, const std::string& cluster, int error,
                                          const char* reason);

  prometheus::Gauge& source_silence() { return source_silence_; }

 private:
  metrics::ReplicationMetrics& registry_;
  std::string flow_;
  FlowCounters counters_;
  std::map<std::string, TopicMetrics> topics_;
  prometheus::Histogram& latency_;
  prometheus::Gauge& source_silence_;
  prometheus::Gauge& producer_rtt_;
  prometheus::Gauge& consumer_rtt_;
  prometheus::Gauge& producer_queue_;
};

}  // namespace duplex::replicator
