#include "demo/app_consumer.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "kafka/client_factory.h"

namespace duplex::demo {

using Clock = std::chrono::steady_clock;

AppConsumer::AppConsumer(const std::string& region, const std::string& bootstrap,
                         const std::string& group, const std::string& topic)
    : region_(region) {
  // librdkafka stores each order's offset as read() receives it; commit() sends those.
  consumer_ = kafka::make_client(region, RD_KAFKA_CONSUMER,
                                 kafka::make_conf(region, {{"bootstrap.servers", bootstrap}},
                                                  {{"group.id", group},
                                                   {"enable.auto.commit", "false"},
                                                   {"auto.offset.reset", "earliest"},
                                                   {"session.timeout.ms", "6000"},
                                                   {"client.id", "duplex-demo-app"}}));
  rd_kafka_poll_set_consumer(consumer_.get());
  kafka::PartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(consumer_.get(), topics.get())) {
    throw std::runtime_error("region " + region + ": subscribing to " + topic + ": " +
                             rd_kafka_err2str(err));
  }
}

AppConsumer::~AppConsumer() {
  rd_kafka_consumer_close(consumer_.get());
}

std::vector<std::string> AppConsumer::read(size_t count, std::chrono::milliseconds timeout,
                                           std::chrono::milliseconds idle) {
  std::vector<std::string> ids;
  const auto deadline = Clock::now() + timeout;
  auto last = Clock::now();
  while (ids.size() < count && Clock::now() < deadline &&
         (ids.empty() || Clock::now() - last < idle)) {
    kafka::MessagePtr m(rd_kafka_consumer_poll(consumer_.get(), 100));
    if (!m) continue;
    if (m->err) {
      spdlog::warn("demo application in {}: {}", region_, rd_kafka_message_errstr(m.get()));
      continue;
    }
    last = Clock::now();
    ids.emplace_back(m->payload ? static_cast<const char*>(m->payload) : "", m->len);
  }
  if (!ids.empty()) {
    if (auto err = rd_kafka_commit(consumer_.get(), nullptr, 0)) {
      throw std::runtime_error("region " + region_ +
                               ": the application's commit: " + rd_kafka_err2str(err));
    }
  }
  return ids;
}

}  // namespace duplex::demo
