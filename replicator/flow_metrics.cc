#include "replicator/flow_metrics.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "kafka/access_error.h"
#include "kafka/client_stats.h"

namespace duplex::replicator {

FlowMetrics::FlowMetrics(metrics::ReplicationMetrics& registry, std::string flow)
    : registry_(registry),
      flow_(std::move(flow)),
      latency_(registry.latency(flow_)),
      source_silence_(registry.source_silence(flow_)),
      producer_rtt_(registry.client_rtt(flow_, "producer")),
      consumer_rtt_(registry.client_rtt(flow_, "consumer")),
      producer_queue_(registry.producer_queue(flow_)) {
  // Every kind a flow can count exists from the start at 0: a series born at 1 shows no
  // increase() to an alert, and a dashboard shows "0 errors", not "no data".
  for (const char* kind : {"consume", "produce", "commit", "admin", "client", "rebalance", "pause",
                           "transaction", "corrupt_record", "checkpoint", "audit"}) {
    registry_.errors(flow_, kind);
  }
}

TopicMetrics& FlowMetrics::topic(const std::string& topic) {
  auto [it, inserted] = topics_.try_emplace(topic);
  if (inserted) {
    it->second = {&registry_.records_copied(flow_, topic),
                  &registry_.bytes_copied(flow_, topic),
                  &registry_.records_skipped(flow_, topic, "loop"),
                  &registry_.records_skipped(flow_, topic, "filtered"),
                  &registry_.records_skipped(flow_, topic, "conflict"),
                  &registry_.records_lost(flow_, topic, "expired"),
                  &registry_.records_dead_lettered(flow_, topic, "oversized"),
                  &registry_.malformed_origin(flow_, topic)};
  }
  return it->second;
}

void FlowMetrics::copied(const TopicMetrics& topic, size_t records, size_t bytes) {
  counters_.records_copied += records;
  counters_.bytes_copied += bytes;
  topic.copied->Increment(static_cast<double>(records));
  topic.bytes->Increment(static_cast<double>(bytes));
}

void FlowMetrics::dead_lettered(const TopicMetrics& topic, size_t records) {
  counters_.dead_lettered += records;
  topic.oversized->Increment(static_cast<double>(records));
}

void FlowMetrics::latency(int64_t timestamp_ms, int64_t now_ms) {
  if (timestamp_ms > 0) latency_.Observe(std::max<int64_t>(0, now_ms - timestamp_ms) / 1000.0);
}

void FlowMetrics::error(std::string_view kind) {
  counters_.errors++;
  registry_.errors(flow_, std::string(kind)).Increment();
}

void FlowMetrics::client_stats(bool producer, std::string_view json) {
  auto stats = kafka::parse_client_stats(json);
  if (stats.max_broker_rtt_seconds >= 0) {
    (producer ? producer_rtt_ : consumer_rtt_).Set(stats.max_broker_rtt_seconds);
  }
  if (producer && stats.queued_messages >= 0) {
    producer_queue_.Set(static_cast<double>(stats.queued_messages));
  }
}

}  // namespace duplex::replicator

namespace duplex::replicator {

std::optional<std::string> FlowMetrics::client_error(rd_kafka_t* client, const std::string& cluster,
                                                     int error, const char* reason) {
  if (error == RD_KAFKA_RESP_ERR__FATAL) {
    char detail[512];
    rd_kafka_fatal_error(client, detail, sizeof detail);
    return std::string("fatal error in ") + rd_kafka_name(client) + ": " + detail;
  }
  this->error("client");
  // A missing ACL stays missing. A refused login is logged and retried: the start-up check
  // (startup.wait) is what stops on one, since a broker restart can look alike here.
  const auto code = static_cast<rd_kafka_resp_err_t>(error);
  if (kafka::is_authorization_error(code))
    return kafka::access_refused(code, cluster, "", "", reason);
  spdlog::warn("flow {}: {}: {} ({})", flow_, rd_kafka_name(client), reason,
               rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(error)));
  return std::nullopt;
}

}  // namespace duplex::replicator
