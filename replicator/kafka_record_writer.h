#pragma once

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "kafka/client_factory.h"
#include "kafka/handles.h"
#include "replicator/flow_metrics.h"
#include "replicator/record_writer.h"

namespace duplex::replicator {

// RecordWriter over an idempotent librdkafka producer (acks=all): retries never duplicate or
// reorder within a partition. By default a record never times out (message.timeout.ms=0), so
// a target that is down means back-pressure, not loss. Not copyable or movable: `this` is
// librdkafka's opaque.
class KafkaRecordWriter : public RecordWriter {
 public:
  // `give_up`: a full queue is not waited on once it is set (the flow is stopping).
  KafkaRecordWriter(const std::string& cluster, const kafka::Properties& cluster_props,
                    const std::string& client_id, FlowMetrics& metrics,
                    const std::atomic<bool>& give_up);
  KafkaRecordWriter(const KafkaRecordWriter&) = delete;
  KafkaRecordWriter& operator=(const KafkaRecordWriter&) = delete;

  void set_handler(DeliveryHandler* handler) override { handler_ = handler; }
  TopicRef topic(const std::string& name) override;
  rd_kafka_resp_err_t write(TopicRef topic, const OutgoingCopy& copy,
                            kafka::HeadersPtr& headers) override;
  void poll(std::chrono::milliseconds wait) override;
  bool flush(std::chrono::milliseconds timeout) override;
  size_t queued() const override;

  // For metadata requests on the target cluster: a listing through this handle also refreshes
  // the producer's view of the target's partitions.
  rd_kafka_t* handle() const { return producer_.get(); }

 private:
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static int on_stats(rd_kafka_t* rk, char* json, size_t json_len, void* opaque);

  std::string cluster_;
  FlowMetrics& metrics_;
  const std::atomic<bool>& give_up_;
  DeliveryHandler* handler_ = nullptr;
  kafka::HandlePtr producer_;
  std::map<std::string, TopicRef> refs_;
  std::vector<kafka::TopicPtr> topics_;  // by TopicRef; destroyed before the producer
};

}  // namespace duplex::replicator
