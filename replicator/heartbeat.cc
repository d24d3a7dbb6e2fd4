#include "replicator/heartbeat.h"

#include <spdlog/spdlog.h>

#include "kafka/client_factory.h"
#include "kafka/produce.h"
#include "kafka/topic_admin.h"

namespace duplex::replicator {
namespace {

constexpr const char* kVersion = "1";  // the value: the format version

}  // namespace

Heartbeat::Heartbeat(const config::Config& config, std::chrono::milliseconds interval)
    : region_(config.region), interval_(interval) {
  auto conf = kafka::make_conf(
      config.region, config.home_cluster(),
      {{"acks", "all"}, {"linger.ms", "0"}, {"client.id", "duplex-" + region_ + "-heartbeat"}});
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  producer_ = kafka::make_client(config.region, RD_KAFKA_PRODUCER, std::move(conf));
  thread_ = std::thread([this] { run(); });
}

Heartbeat::~Heartbeat() {
  stop_ = true;
  thread_.join();
  if (rd_kafka_flush(producer_.get(), 2000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("heartbeat: {} heartbeat(s) not delivered at shutdown",
                 rd_kafka_outq_len(producer_.get()));
  }
}

void Heartbeat::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  if (m->err) static_cast<Heartbeat*>(opaque)->warn_once(rd_kafka_err2str(m->err));
}

void Heartbeat::warn_once(const std::string& message) {
  if (message == warned_) return;  // a target that is away fails every beat the same way
  warned_ = message;
  spdlog::warn("heartbeat: {}", message);
}

bool Heartbeat::ensure_topic() {
  kafka::TopicAdmin admin(producer_.get(), region_);
  auto err = admin.ensure_topic(kHeartbeatTopic, 1,
                                {{"cleanup.policy", "delete"}, {"retention.ms", "3600000"}},
                                std::chrono::seconds(5));
  if (err) {
    spdlog::warn("heartbeat: {}", err.message());
    return false;
  }
  return true;
}

void Heartbeat::run() {
  bool topic_ready = false;
  auto next = std::chrono::steady_clock::now();
  while (!stop_) {
    if (std::chrono::steady_clock::now() >= next) {
      next += interval_;
      topic_ready = topic_ready || ensure_topic();
      if (topic_ready) {
        kafka::OutgoingRecord record;
        record.topic = kHeartbeatTopic;
        record.key = region_.data();
        record.key_len = region_.size();
        record.value = kVersion;
        record.value_len = 1;
        if (auto err = kafka::produce(producer_.get(), record, &stop_)) {
          warn_once(rd_kafka_err2str(err));
        } else {
          sent_++;
        }
      }
    }
    rd_kafka_poll(producer_.get(), 100);
  }
}

}  // namespace duplex::replicator
