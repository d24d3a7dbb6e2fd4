#pragma once

#include <atomic>
#include <string>

#include "config/config.h"
#include "kafka/handles.h"
#include "replicator/conflict_audit.h"
#include "replicator/flow_metrics.h"

namespace duplex::replicator {

// Writes a flow's skipped copies to duplex.conflicts on the home cluster (acks=all). The copy
// loop never waits for it: a full queue drops the record, and it and failed deliveries are
// counted (duplex_errors_total kind "audit") and logged once per distinct reason. Delivery
// reports are served at each write and at the destruction, which waits up to 2 s for the rest.
// Registers `this` with librdkafka: neither copyable nor movable.
class KafkaConflictAudit : public ConflictAudit {
 public:
  KafkaConflictAudit(const config::Config& config, const std::string& client_id,
                     FlowMetrics& metrics);
  ~KafkaConflictAudit() override;
  KafkaConflictAudit(const KafkaConflictAudit&) = delete;
  KafkaConflictAudit& operator=(const KafkaConflictAudit&) = delete;

  void write(std::string_view key, const conflict::AuditRecord& record) override;

 private:
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  void failed(const std::string& reason);

  FlowMetrics& metrics_;
  kafka::HandlePtr producer_;
  kafka::TopicPtr topic_;
  const std::atomic<bool> give_up_{true};  // a full queue is not waited for
  std::string warned_;                     // the last reason logged
};

}  // namespace duplex::replicator
