#include "kafka/empty_range_probe.h"

#include <algorithm>

namespace duplex::kafka {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kSlice{200};  // a stop ends a read within one

}  // namespace

EmptyRangeProbe::EmptyRangeProbe(const std::string& cluster, const Properties& cluster_props,
                                 const std::atomic<bool>* stop)
    : cluster_(cluster), stop_(stop) {
  auto conf = make_conf(cluster, cluster_props,
                        {{"group.id", "duplex-empty-range-probe"},
                         {"enable.auto.commit", "false"},
                         {"enable.auto.offset.store", "false"},
                         // The end is reported: a range that ends at the log's end holds no
                         // record after it, so no record ever arrives to say so.
                         {"enable.partition.eof", "true"},
                         {"isolation.level", "read_committed"},
                         // Offsets deleted meanwhile are not read as empty.
                         {"auto.offset.reset", "error"},
                         {"fetch.wait.max.ms", "100"}});
  consumer_ = make_client(cluster, RD_KAFKA_CONSUMER, std::move(conf));
}

std::variant<int64_t, KafkaError> EmptyRangeProbe::first_record(const std::string& topic,
                                                                int32_t partition, int64_t from,
                                                                int64_t to,
                                                                std::chrono::milliseconds timeout) {
  const std::string what = "cluster " + cluster_ + ": reading " + topic + "[" +
                           std::to_string(partition) + "] offsets " + std::to_string(from) + ".." +
                           std::to_string(to);
  if (from >= to) return to;
  PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = from;
  if (auto err = rd_kafka_assign(consumer_.get(), list.get())) return KafkaError::from(err, what);
  struct Unassign {
    rd_kafka_t* consumer;
    ~Unassign() { rd_kafka_assign(consumer, nullptr); }
  } unassign{consumer_.get()};

  const auto deadline = Clock::now() + timeout;
  int64_t end = -1;  // the last end reported: read_committed stops at the last stable offset
  while (Clock::now() < deadline) {
    if (stop_ && stop_->load()) return KafkaError(RD_KAFKA_RESP_ERR__DESTROY, what + ": stopping");
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    MessagePtr m(rd_kafka_consumer_poll(
        consumer_.get(),
        static_cast<int>(std::clamp(left, std::chrono::milliseconds(1), kSlice).count())));
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      end = m->offset;
      if (end >= to) return to;
      continue;  // an open transaction below `to`: it may end before the deadline
    }
    if (m->err) return KafkaError::from(m->err, what);
    return std::min(m->offset, to);
  }
  return KafkaError(
      RD_KAFKA_RESP_ERR__TIMED_OUT,
      what + ": not read to the end in " + std::to_string(timeout.count()) + " ms (" +
          (end < 0 ? std::string("no end reached") : "readable up to " + std::to_string(end)) +
          ")");
}

}  // namespace duplex::kafka
