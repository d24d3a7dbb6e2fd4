#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace duplex::metrics {

// The metrics DESIGN.md names, in one prometheus-cpp registry. Label lookups take a lock in
// prometheus-cpp: callers on the copy path keep the returned references, they do not look
// them up per record.
class ReplicationMetrics {
 public:
  explicit ReplicationMetrics(const std::string& version);

  prometheus::Counter& records_copied(const std::string& flow, const std::string& topic);
  prometheus::Counter& bytes_copied(const std::string& flow, const std::string& topic);
  // reason: loop, conflict, filtered
  prometheus::Counter& records_skipped(const std::string& flow, const std::string& topic,
                                       const std::string& reason);
  // Records that left the source before they were copied; reason: expired (the source's log
  // start passed them: retention, or records deleted).
  prometheus::Counter& records_lost(const std::string& flow, const std::string& topic,
                                    const std::string& reason);
  // Records written to duplex.dlq instead of the target topic (reason: oversized).
  prometheus::Counter& records_dead_lettered(const std::string& flow, const std::string& topic,
                                             const std::string& reason);
  // Records whose duplex.origin header is malformed or names no region of the config.
  prometheus::Counter& malformed_origin(const std::string& flow, const std::string& topic);
  prometheus::Gauge& lag(const std::string& flow, const std::string& topic, int32_t partition);
  void remove_lag(prometheus::Gauge& gauge) { lag_.Remove(&gauge); }
  // Target acknowledgement time minus the record's timestamp.
  prometheus::Histogram& latency(const std::string& flow);
  prometheus::Gauge& source_silence(const std::string& flow);
  prometheus::Counter& errors(const std::string& flow, const std::string& kind);
  // Time since the group's newest checkpoint was written.
  prometheus::Gauge& checkpoint_age(const std::string& flow, const std::string& group);
  // How long one checkpoint round took (read, translate, write, groups.sync), per flow.
  prometheus::Histogram& checkpoint_round(const std::string& flow);
  // From librdkafka's statistics: the slowest broker's average round-trip time, per client
  // (producer or consumer), and the producer's queue depth.
  prometheus::Gauge& client_rtt(const std::string& flow, const std::string& client);
  prometheus::Gauge& producer_queue(const std::string& flow);
  // Last-writer-wins: winners written again after a loser landed in the home topic, and the
  // key index's memory (part: entry_cache, rocksdb_cache) and entries (part: cached, stored).
  prometheus::Counter& conflict_repairs(const std::string& topic);
  prometheus::Gauge& index_bytes(const std::string& part);
  prometheus::Gauge& index_entries(const std::string& part);

  // Prometheus text exposition format.
  std::string serialize() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& copied_;
  prometheus::Family<prometheus::Counter>& bytes_;
  prometheus::Family<prometheus::Counter>& skipped_;
  prometheus::Family<prometheus::Counter>& lost_;
  prometheus::Family<prometheus::Counter>& dead_lettered_;
  prometheus::Family<prometheus::Counter>& malformed_origin_;
  prometheus::Family<prometheus::Gauge>& lag_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Gauge>& silence_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Gauge>& checkpoint_age_;
  prometheus::Family<prometheus::Histogram>& checkpoint_round_;
  prometheus::Family<prometheus::Gauge>& build_info_;
  prometheus::Family<prometheus::Gauge>& rtt_;
  prometheus::Family<prometheus::Gauge>& queue_;
  prometheus::Family<prometheus::Counter>& repairs_;
  prometheus::Family<prometheus::Gauge>& index_bytes_;
  prometheus::Family<prometheus::Gauge>& index_entries_;
};

}  // namespace duplex::metrics
