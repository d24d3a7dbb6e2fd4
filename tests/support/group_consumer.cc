#include "tests/support/group_consumer.h"

#include <map>
#include <stdexcept>

#include "kafka/client_factory.h"

namespace duplex::testing {

GroupConsumer::GroupConsumer(const std::string& bootstrap, const std::string& group,
                             const std::string& topic)
    : topic_(topic) {
  consumer_ = kafka::make_client("app", RD_KAFKA_CONSUMER,
                                 kafka::make_conf("app",
                                                  {{"bootstrap.servers", bootstrap},
                                                   {"group.id", group},
                                                   {"enable.auto.commit", "false"},
                                                   {"enable.auto.offset.store", "false"},
                                                   {"auto.offset.reset", "earliest"},
                                                   {"session.timeout.ms", "6000"}},
                                                  {}));
  rd_kafka_poll_set_consumer(consumer_.get());
  kafka::PartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(consumer_.get(), topics.get())) {
    throw std::runtime_error("test consumer: subscribing to " + topic + ": " +
                             rd_kafka_err2str(err));
  }
}

GroupConsumer::~GroupConsumer() {
  rd_kafka_consumer_close(consumer_.get());
}

std::vector<Record> GroupConsumer::read(size_t count, std::chrono::milliseconds timeout,
                                        std::chrono::milliseconds idle) {
  std::vector<Record> out;
  std::map<int32_t, int64_t> next;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto last = std::chrono::steady_clock::now();
  while (out.size() < count && std::chrono::steady_clock::now() < deadline &&
         (out.empty() || std::chrono::steady_clock::now() - last < idle)) {
    kafka::MessagePtr m(rd_kafka_consumer_poll(consumer_.get(), 100));
    if (!m || m->err) continue;
    last = std::chrono::steady_clock::now();
    Record r;
    r.partition = m->partition;
    r.offset = m->offset;
    if (m->payload) r.value = std::string(static_cast<const char*>(m->payload), m->len);
    out.push_back(r);
    next[m->partition] = m->offset + 1;
  }
  if (!next.empty()) {
    kafka::PartitionListPtr offsets(rd_kafka_topic_partition_list_new(4));
    for (auto [p, o] : next) {
      rd_kafka_topic_partition_list_add(offsets.get(), topic_.c_str(), p)->offset = o;
    }
    if (auto err = rd_kafka_commit(consumer_.get(), offsets.get(), 0)) {
      throw std::runtime_error("test consumer: committing " + topic_ + ": " +
                               rd_kafka_err2str(err));
    }
  }
  return out;
}

void GroupConsumer::join(std::chrono::milliseconds time) {
  auto until = std::chrono::steady_clock::now() + time;
  while (std::chrono::steady_clock::now() < until) {
    kafka::MessagePtr m(rd_kafka_consumer_poll(consumer_.get(), 100));
  }
}

void commit_offsets(const std::string& bootstrap, const std::string& group,
                    const kafka::GroupOffsets& offsets) {
  kafka::Properties props = {{"bootstrap.servers", bootstrap}};
  auto client = kafka::make_client("test", RD_KAFKA_PRODUCER,
                                   kafka::make_conf("test", props, {{"client.id", "test"}}));
  if (auto error = kafka::GroupAdmin(client.get(), "test", props)
                       .alter(group, offsets, std::chrono::seconds(10))) {
    throw std::runtime_error("committing offsets of group " + group + ": " + error.message());
  }
}

}  // namespace duplex::testing
