#include "replicator/kafka_record_writer.h"

#include <spdlog/spdlog.h>

#include "kafka/produce.h"

namespace duplex::replicator {

KafkaRecordWriter::KafkaRecordWriter(const std::string& cluster,
                                     const kafka::Properties& cluster_props,
                                     const std::string& client_id, FlowMetrics& metrics,
                                     const std::atomic<bool>& give_up)
    : cluster_(cluster), metrics_(metrics), give_up_(give_up) {
  kafka::Properties props = {{"linger.ms", "5"}, {"message.timeout.ms", "0"}};
  for (const auto& [key, value] : cluster_props) props[key] = value;
  auto conf = kafka::make_conf(
      cluster, props, {{"enable.idempotence", "true"}, {"acks", "all"}, {"client.id", client_id}});
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  rd_kafka_conf_set_error_cb(conf.get(), on_error);
  rd_kafka_conf_set_stats_cb(conf.get(), on_stats);
  producer_ = kafka::make_client(cluster, RD_KAFKA_PRODUCER, std::move(conf));
}

RecordWriter::TopicRef KafkaRecordWriter::topic(const std::string& name) {
  auto [it, fresh] = refs_.try_emplace(name, static_cast<TopicRef>(topics_.size()));
  if (fresh) topics_.emplace_back(rd_kafka_topic_new(producer_.get(), name.c_str(), nullptr));
  return it->second;
}

rd_kafka_resp_err_t KafkaRecordWriter::write(TopicRef topic, const OutgoingCopy& copy,
                                             kafka::HeadersPtr& headers) {
  const kafka::OutgoingRecord out{
      topics_.at(topic).get(), nullptr,        copy.partition, copy.key, copy.key_len, copy.value,
      copy.value_len,          copy.timestamp, copy.token};
  return kafka::produce(producer_.get(), out, headers, &give_up_);
}

void KafkaRecordWriter::poll(std::chrono::milliseconds wait) {
  rd_kafka_poll(producer_.get(), static_cast<int>(wait.count()));
}

bool KafkaRecordWriter::flush(std::chrono::milliseconds timeout) {
  return rd_kafka_flush(producer_.get(), static_cast<int>(timeout.count())) ==
         RD_KAFKA_RESP_ERR_NO_ERROR;
}

size_t KafkaRecordWriter::queued() const {
  return static_cast<size_t>(rd_kafka_outq_len(producer_.get()));
}

void KafkaRecordWriter::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<KafkaRecordWriter*>(opaque);
  if (self->handler_)
    self->handler_->on_delivery({message->_private, message->err, message->offset});
}

void KafkaRecordWriter::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaRecordWriter*>(opaque);
  if (auto fatal = self->metrics_.client_error(rk, self->cluster_, err, reason);
      fatal && self->handler_) {
    self->handler_->on_fatal(*fatal);
  }
}

int KafkaRecordWriter::on_stats(rd_kafka_t*, char* json, size_t json_len, void* opaque) {
  static_cast<KafkaRecordWriter*>(opaque)->metrics_.client_stats(true,
                                                                 std::string_view(json, json_len));
  return 0;  // librdkafka frees the document
}

}  // namespace duplex::replicator
