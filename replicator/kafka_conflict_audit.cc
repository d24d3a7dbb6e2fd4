#include "replicator/kafka_conflict_audit.h"

#include <spdlog/spdlog.h>

#include "kafka/client_factory.h"
#include "kafka/produce.h"

namespace duplex::replicator {

KafkaConflictAudit::KafkaConflictAudit(const config::Config& config, const std::string& client_id,
                                       FlowMetrics& metrics)
    : metrics_(metrics) {
  kafka::Properties props = {{"linger.ms", "100"}};
  for (const auto& [key, value] : config.home_cluster()) props[key] = value;
  auto conf = kafka::make_conf(config.region, props, {{"acks", "all"}, {"client.id", client_id}});
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  producer_ = kafka::make_client(config.region, RD_KAFKA_PRODUCER, std::move(conf));
  topic_.reset(rd_kafka_topic_new(producer_.get(), conflict::kAuditTopic, nullptr));
}

KafkaConflictAudit::~KafkaConflictAudit() {
  if (rd_kafka_flush(producer_.get(), 2000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("flow {}: {} conflict audit records not written at the stop", metrics_.flow(),
                 rd_kafka_outq_len(producer_.get()));
  }
  topic_.reset();
  producer_.reset();
}

void KafkaConflictAudit::write(std::string_view key, const conflict::AuditRecord& record) {
  const std::string value = conflict::encode(record);
  kafka::OutgoingRecord out;
  out.topic_handle = topic_.get();
  out.key = key.data();
  out.key_len = key.size();
  out.value = value.data();
  out.value_len = value.size();
  if (auto err = kafka::produce(producer_.get(), out, &give_up_)) failed(rd_kafka_err2str(err));
  rd_kafka_poll(producer_.get(), 0);
}

void KafkaConflictAudit::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  if (m->err) static_cast<KafkaConflictAudit*>(opaque)->failed(rd_kafka_err2str(m->err));
}

void KafkaConflictAudit::failed(const std::string& reason) {
  metrics_.error("audit");
  if (reason == warned_) return;
  warned_ = reason;
  spdlog::warn("flow {}: a conflict audit record was not written to {}: {}", metrics_.flow(),
               conflict::kAuditTopic, reason);
}

}  // namespace duplex::replicator
