#pragma once

#include <memory>
#include <string>

#include "kafka/client_factory.h"
#include "kafka/fetch_nudger.h"
#include "kafka/handles.h"
#include "replicator/flow_metrics.h"
#include "replicator/source.h"

namespace duplex::replicator {

// A consumed message as a SourceRecord (which keeps the message alive).
SourceRecord to_source_record(kafka::MessagePtr message);

// Source over a librdkafka consumer in the flow's group: cooperative-sticky, read_committed
// (records of aborted source transactions are never copied), no automatic commits or offset
// stores (only what the target acknowledged is committed). A static member when `instance_id`
// is set. Membership defaults are the sidecar's own (see the constructor). Its callbacks
// (rebalance, commit results, errors, statistics) are served on the polling thread, through the
// consumer queue. Not copyable or movable: `this` is librdkafka's opaque.
class KafkaSource : public Source {
 public:
  KafkaSource(const std::string& cluster, const kafka::Properties& cluster_props,
              const std::string& group_id, const std::string& instance_id,
              const std::string& client_id, std::chrono::milliseconds metadata_refresh,
              std::chrono::milliseconds commit_timeout, FlowMetrics& metrics);
  ~KafkaSource() override;
  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  void set_listener(SourceListener* listener) override { listener_ = listener; }
  std::optional<SourceRecord> poll(std::chrono::milliseconds timeout) override;
  kafka::KafkaError subscribe(const std::vector<std::string>& topics) override;
  kafka::KafkaError assign(const std::vector<TopicPartition>& partitions) override;
  kafka::KafkaError unassign(const std::vector<TopicPartition>& partitions) override;
  kafka::KafkaError pause(const std::vector<TopicPartition>& partitions) override;
  kafka::KafkaError resume(const std::vector<TopicPartition>& partitions) override;
  kafka::KafkaError seek(const TopicPartition& partition, int64_t offset) override;
  // A synchronous commit waits at most commit_timeout for the coordinator's answer.
  kafka::KafkaError commit(const std::map<TopicPartition, int64_t>& offsets, bool sync) override;
  // Waits at most commit_timeout for the coordinator.
  std::map<TopicPartition, int64_t> committed(
      const std::vector<TopicPartition>& partitions) override;
  std::optional<int64_t> log_start(const TopicPartition& partition) override;
  std::optional<int64_t> high_watermark(const TopicPartition& partition, bool ask_broker) override;
  std::optional<int64_t> position(const TopicPartition& partition) override;

  // Leaves the group (the listener hears of the revocation first), from the polling thread,
  // waiting at most `timeout` for the brokers; the group notices a consumer that could not
  // say goodbye after its session timeout. A static member does not leave: its partitions
  // wait (unassigned) for it to come back within the session timeout.
  kafka::KafkaError close(std::chrono::milliseconds timeout);
  // For metadata requests on the source cluster (topic listings), from any thread.
  rd_kafka_t* handle() const { return consumer_.get(); }

 private:
  static void on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void on_commit(rd_kafka_t*, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* offsets, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static int on_stats(rd_kafka_t* rk, char* json, size_t json_len, void* opaque);

  void report_committed(rd_kafka_resp_err_t err, const rd_kafka_topic_partition_list_t* offsets);

  std::string cluster_;
  std::string group_id_;
  std::chrono::milliseconds commit_timeout_;
  FlowMetrics& metrics_;
  SourceListener* listener_ = nullptr;
  kafka::HandlePtr consumer_;
  std::unique_ptr<kafka::FetchNudger> fetch_nudger_;  // stopped before the consumer closes
};

}  // namespace duplex::replicator
