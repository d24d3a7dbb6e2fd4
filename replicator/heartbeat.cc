#include "replicator/heartbeat.h"

#include <spdlog/spdlog.h>

#include "kafka/client_factory.h"
#include "kafka/topic_admin.h"

namespace duplex::replicator {

Heartbeat::Heartbeat(const config::Config& config, std::chrono::milliseconds interval)
    : region_(config.region), interval_(interval) {
  auto conf = kafka::make_conf(
      config.region, config.home_cluster(),
      {{"acks", "all"}, {"linger.ms", "0"}, {"client.id", "duplex-" + region_ + "-heartbeat"}});
  producer_ = kafka::make_client(config.region, RD_KAFKA_PRODUCER, std::move(conf));
  thread_ = std::thread([this] { run(); });
}

Heartbeat::~Heartbeat() {
  stop_ = true;
  thread_.join();
  rd_kafka_flush(producer_.get(), 2000);
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
        auto err = rd_kafka_producev(producer_.get(), RD_KAFKA_V_TOPIC(kHeartbeatTopic),
                                     RD_KAFKA_V_KEY(region_.data(), region_.size()),
                                     RD_KAFKA_V_VALUE(const_cast<char*>("1"), 1),
                                     RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (err) {
          spdlog::warn("heartbeat: {}", rd_kafka_err2str(err));
        } else {
          sent_++;
        }
      }
    }
    rd_kafka_poll(producer_.get(), 100);
  }
}

}  // namespace duplex::replicator
