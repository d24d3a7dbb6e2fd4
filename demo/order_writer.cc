#include "demo/order_writer.h"

#include "kafka/client_factory.h"
#include "kafka/produce.h"
#include "kafka/timestamps.h"

namespace duplex::demo {

OrderWriter::OrderWriter(const std::string& region, const std::string& bootstrap, std::string topic,
                         int partitions, const std::atomic<bool>& stop)
    : region_(region), topic_(std::move(topic)), partitions_(partitions), stop_(stop) {
  auto conf = kafka::make_conf(region, {{"bootstrap.servers", bootstrap}},
                               {{"enable.idempotence", "true"},
                                {"linger.ms", "5"},
                                {"client.id", "duplex-demo-orders-" + region}});
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  producer_ = kafka::make_client(region, RD_KAFKA_PRODUCER, std::move(conf));
}

void OrderWriter::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto& self = *static_cast<OrderWriter*>(opaque);
  if (m->err && self.delivery_error_.empty()) self.delivery_error_ = rd_kafka_err2str(m->err);
}

kafka::KafkaError OrderWriter::write(int first, int count) {
  const std::string context = "region " + region_ + ": writing orders";
  delivery_error_.clear();
  for (int id = first; id < first + count; ++id) {
    const std::string key = "customer-" + std::to_string(id % 50);
    const std::string value = region_ + "-order-" + std::to_string(id);
    kafka::OutgoingRecord order;
    order.topic = topic_.c_str();
    order.partition = id % partitions_;
    order.key = key.data();
    order.key_len = key.size();
    order.value = value.data();
    order.value_len = value.size();
    order.timestamp = kafka::now_ms();
    if (auto err = kafka::produce(producer_.get(), order, &stop_)) {
      return kafka::KafkaError::from(err, context);
    }
  }
  if (auto err = rd_kafka_flush(producer_.get(), 30000)) {  // serves the delivery reports
    return kafka::KafkaError::from(err, context + ": not acknowledged within 30 s");
  }
  if (!delivery_error_.empty()) {
    return kafka::KafkaError(RD_KAFKA_RESP_ERR__FAIL, context + ": " + delivery_error_);
  }
  return {};
}

}  // namespace duplex::demo
