#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "kafka/client_factory.h"
#include "kafka/handles.h"
#include "kafka/record_io.h"

namespace duplex::kafka {

// A consumer in a named group, as an application runs one: subscribes, reads, and commits
// exactly what it has read. For tests and the demo (the "application" whose group moves).
class GroupConsumer {
 public:
  GroupConsumer(const std::string& bootstrap, const std::string& group, const std::string& topic)
      : topic_(topic) {
    consumer_ = make_client("app", RD_KAFKA_CONSUMER,
                            make_conf("app",
                                      {{"bootstrap.servers", bootstrap},
                                       {"group.id", group},
                                       {"enable.auto.commit", "false"},
                                       {"enable.auto.offset.store", "false"},
                                       {"auto.offset.reset", "earliest"},
                                       {"session.timeout.ms", "6000"}},
                                      {}));
    rd_kafka_poll_set_consumer(consumer_.get());
    PartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(consumer_.get(), topics.get());
  }
  ~GroupConsumer() { rd_kafka_consumer_close(consumer_.get()); }

  // Reads until `count` records were read or nothing arrived for `idle` (after the first
  // record, or `timeout` in all), then commits the offset after each partition's last record.
  std::vector<Record> read(size_t count, std::chrono::milliseconds timeout,
                           std::chrono::milliseconds idle = std::chrono::seconds(5)) {
    std::vector<Record> out;
    std::map<int32_t, int64_t> next;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto last = std::chrono::steady_clock::now();
    while (out.size() < count && std::chrono::steady_clock::now() < deadline &&
           (out.empty() || std::chrono::steady_clock::now() - last < idle)) {
      MessagePtr m(rd_kafka_consumer_poll(consumer_.get(), 100));
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
      PartitionListPtr offsets(rd_kafka_topic_partition_list_new(4));
      for (auto [p, o] : next) {
        rd_kafka_topic_partition_list_add(offsets.get(), topic_.c_str(), p)->offset = o;
      }
      rd_kafka_commit(consumer_.get(), offsets.get(), 0);
    }
    return out;
  }

  // Polls for a while so that the group sees this member.
  void join(std::chrono::milliseconds time) {
    auto until = std::chrono::steady_clock::now() + time;
    while (std::chrono::steady_clock::now() < until) {
      MessagePtr m(rd_kafka_consumer_poll(consumer_.get(), 100));
    }
  }

 private:
  std::string topic_;
  HandlePtr consumer_;
};

}  // namespace duplex::kafka
