#include "metrics/replication_metrics.h"

#include <prometheus/text_serializer.h>

namespace duplex::metrics {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

ReplicationMetrics::ReplicationMetrics(const std::string& version)
    : registry_(std::make_shared<prometheus::Registry>()),
      copied_(BuildCounter()
                  .Name("duplex_records_copied_total")
                  .Help("Records written to the target and acknowledged")
                  .Register(*registry_)),
      bytes_(BuildCounter()
                 .Name("duplex_bytes_copied_total")
                 .Help("Key and value bytes written to the target and acknowledged")
                 .Register(*registry_)),
      skipped_(BuildCounter()
                   .Name("duplex_records_skipped_total")
                   .Help("Records not copied, by reason (loop, conflict, filtered)")
                   .Register(*registry_)),
      lost_(BuildCounter()
                .Name("duplex_records_lost_total")
                .Help("Records that left the source before they were copied, by reason (expired)")
                .Register(*registry_)),
      dead_lettered_(BuildCounter()
                         .Name("duplex_records_dead_lettered_total")
                         .Help("Records written to duplex.dlq instead of the target, by reason "
                               "(oversized)")
                         .Register(*registry_)),
      malformed_origin_(BuildCounter()
                            .Name("duplex_records_malformed_origin_total")
                            .Help("Records whose duplex.origin header is empty, not UTF-8, too "
                                  "long, or names no region of the config")
                            .Register(*registry_)),
      lag_(BuildGauge()
               .Name("duplex_lag_records")
               .Help("Source high watermark minus the next offset to copy")
               .Register(*registry_)),
      latency_(BuildHistogram()
                   .Name("duplex_replication_latency_seconds")
                   .Help("Target acknowledgement time minus record timestamp")
                   .Register(*registry_)),
      silence_(BuildGauge()
                   .Name("duplex_source_silence_seconds")
                   .Help("Time since the newest heartbeat from the source region arrived")
                   .Register(*registry_)),
      errors_(
          BuildCounter()
              .Name("duplex_errors_total")
              .Help("Errors by kind (consume, produce, commit, admin, client, rebalance, pause, "
                    "transaction, corrupt_record, checkpoint, conflict_repair, conflict_read, "
                    "audit)")
              .Register(*registry_)),
      checkpoint_age_(BuildGauge()
                          .Name("duplex_checkpoint_age_seconds")
                          .Help("Time since the consumer group's newest checkpoint was written")
                          .Register(*registry_)),
      checkpoint_round_(BuildHistogram()
                            .Name("duplex_checkpoint_round_seconds")
                            .Help("Duration of one checkpoint round of a flow")
                            .Register(*registry_)),
      build_info_(BuildGauge()
                      .Name("duplex_build_info")
                      .Help("Always 1; the version is in the label")
                      .Register(*registry_)),
      rtt_(BuildGauge()
               .Name("duplex_client_rtt_seconds")
               .Help("Slowest broker's average round-trip time seen by a client (librdkafka stats)")
               .Register(*registry_)),
      queue_(BuildGauge()
                 .Name("duplex_producer_queue_records")
                 .Help("Records queued in the producer, not yet acknowledged (librdkafka stats)")
                 .Register(*registry_)),
      repairs_(BuildCounter()
                   .Name("duplex_conflict_repairs_total")
                   .Help("Winners written again after a loser landed in the home topic")
                   .Register(*registry_)),
      index_bytes_(BuildGauge()
                       .Name("duplex_conflict_index_bytes")
                       .Help("Key index memory: entry_cache (entries), rocksdb_cache (blocks)")
                       .Register(*registry_)),
      index_entries_(BuildGauge()
                         .Name("duplex_conflict_index_entries")
                         .Help("Key index entries: cached in memory, stored (RocksDB's estimate)")
                         .Register(*registry_)) {
  build_info_.Add({{"version", version}}).Set(1);
}

prometheus::Counter& ReplicationMetrics::records_copied(const std::string& flow,
                                                        const std::string& topic) {
  return copied_.Add({{"flow", flow}, {"topic", topic}});
}

prometheus::Counter& ReplicationMetrics::bytes_copied(const std::string& flow,
                                                      const std::string& topic) {
  return bytes_.Add({{"flow", flow}, {"topic", topic}});
}

prometheus::Counter& ReplicationMetrics::records_dead_lettered(const std::string& flow,
                                                               const std::string& topic,
                                                               const std::string& reason) {
  return dead_lettered_.Add({{"flow", flow}, {"topic", topic}, {"reason", reason}});
}

prometheus::Counter& ReplicationMetrics::malformed_origin(const std::string& flow,
                                                          const std::string& topic) {
  return malformed_origin_.Add({{"flow", flow}, {"topic", topic}});
}

prometheus::Counter& ReplicationMetrics::records_skipped(const std::string& flow,
                                                         const std::string& topic,
                                                         const std::string& reason) {
  return skipped_.Add({{"flow", flow}, {"topic", topic}, {"reason", reason}});
}

prometheus::Counter& ReplicationMetrics::records_lost(const std::string& flow,
                                                      const std::string& topic,
                                                      const std::string& reason) {
  return lost_.Add({{"flow", flow}, {"topic", topic}, {"reason", reason}});
}

prometheus::Gauge& ReplicationMetrics::lag(const std::string& flow, const std::string& topic,
                                           int32_t partition) {
  return lag_.Add({{"flow", flow}, {"topic", topic}, {"partition", std::to_string(partition)}});
}

prometheus::Histogram& ReplicationMetrics::latency(const std::string& flow) {
  // 1 ms to 60 s, roughly doubling.
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return latency_.Add({{"flow", flow}}, buckets);
}

prometheus::Gauge& ReplicationMetrics::source_silence(const std::string& flow) {
  return silence_.Add({{"flow", flow}});
}

prometheus::Counter& ReplicationMetrics::errors(const std::string& flow, const std::string& kind) {
  return errors_.Add({{"flow", flow}, {"kind", kind}});
}

prometheus::Gauge& ReplicationMetrics::checkpoint_age(const std::string& flow,
                                                      const std::string& group) {
  return checkpoint_age_.Add({{"flow", flow}, {"group", group}});
}

prometheus::Histogram& ReplicationMetrics::checkpoint_round(const std::string& flow) {
  // 10 ms to 2 min: a round should end within checkpoint.interval (default 5 s).
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
  return checkpoint_round_.Add({{"flow", flow}}, buckets);
}

prometheus::Gauge& ReplicationMetrics::client_rtt(const std::string& flow,
                                                  const std::string& client) {
  return rtt_.Add({{"flow", flow}, {"client", client}});
}

prometheus::Gauge& ReplicationMetrics::producer_queue(const std::string& flow) {
  return queue_.Add({{"flow", flow}});
}

prometheus::Counter& ReplicationMetrics::conflict_repairs(const std::string& topic) {
  return repairs_.Add({{"topic", topic}});
}

prometheus::Gauge& ReplicationMetrics::index_bytes(const std::string& part) {
  return index_bytes_.Add({{"part", part}});
}

prometheus::Gauge& ReplicationMetrics::index_entries(const std::string& part) {
  return index_entries_.Add({{"part", part}});
}

std::string ReplicationMetrics::serialize() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace duplex::metrics
