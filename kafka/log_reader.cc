#include "kafka/log_reader.h"

#include <algorithm>
#include <thread>

#include "kafka/watermarks.h"

namespace duplex::kafka {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kSlice{500};
constexpr std::chrono::milliseconds kPause{100};

// Worth asking again until the deadline: the cluster or the partition's leader is away.
bool transient(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
      return true;
    default:
      return false;
  }
}

}  // namespace

LogReader::LogReader(const std::string& cluster, const Properties& cluster_props, std::string topic,
                     const std::atomic<bool>* stop)
    : cluster_(cluster), topic_(std::move(topic)), stop_(stop) {
  auto conf = make_conf(cluster, cluster_props,
                        {{"group.id", "duplex-log-reader"},
                         {"enable.auto.commit", "false"},
                         {"enable.auto.offset.store", "false"},
                         {"enable.partition.eof", "false"},
                         {"isolation.level", "read_committed"},
                         {"auto.offset.reset", "earliest"},
                         {"fetch.wait.max.ms", "100"}});
  consumer_ = make_client(cluster, RD_KAFKA_CONSUMER, std::move(conf));
}

rd_kafka_resp_err_t LogReader::in_slices(
    Clock::time_point deadline, const std::function<rd_kafka_resp_err_t(int)>& request) const {
  for (;;) {
    if (stopping()) return RD_KAFKA_RESP_ERR__DESTROY;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const auto err =
        request(static_cast<int>(std::clamp(left, std::chrono::milliseconds(1), kSlice).count()));
    if (!transient(err) || Clock::now() >= deadline) return err;
    if (err != RD_KAFKA_RESP_ERR__TIMED_OUT) std::this_thread::sleep_for(kPause);  // answered fast
  }
}

KafkaError LogReader::failure(rd_kafka_resp_err_t err) const {
  const std::string what = "cluster " + cluster_ + ": reading " + topic_;
  return err == RD_KAFKA_RESP_ERR__DESTROY ? KafkaError(err, what + ": stopping")
                                           : KafkaError::from(err, what);
}

KafkaError LogReader::assign(Clock::time_point deadline) {
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(consumer_.get(), topic_.c_str(), nullptr);
  auto err = in_slices(deadline, [&](int slice_ms) {
    return rd_kafka_metadata(consumer_.get(), 0, rkt, &raw, slice_ms);
  });
  rd_kafka_topic_destroy(rkt);
  if (err) return failure(err);
  MetadataPtr metadata(raw);
  if (metadata->topic_cnt != 1 || metadata->topics[0].err) {
    return KafkaError(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                      "cluster " + cluster_ + ": no topic " + topic_);
  }
  // Every partition from where the last call stopped (the beginning, the first time).
  PartitionListPtr list(rd_kafka_topic_partition_list_new(metadata->topics[0].partition_cnt));
  for (int p = 0; p < metadata->topics[0].partition_cnt; ++p) {
    auto [it, fresh] = next_.try_emplace(p, 0);
    rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), p)->offset =
        fresh ? RD_KAFKA_OFFSET_BEGINNING : it->second;
  }
  return KafkaError::from(rd_kafka_assign(consumer_.get(), list.get()),
                          "cluster " + cluster_ + ": reading " + topic_);
}

KafkaError LogReader::read_new(const std::function<void(const rd_kafka_message_t&)>& deliver,
                               std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  if (auto err = assign(deadline)) return err;
  // Assigned only while reading (see assign()): an idle reader sends no fetches.
  struct UnassignAfter {
    rd_kafka_t* rk;
    ~UnassignAfter() { rd_kafka_assign(rk, nullptr); }
  } unassign_after{consumer_.get()};
  // The ends now; what is appended later is for the next call.
  std::map<int32_t, int64_t> end;
  for (const auto& [p, next] : next_) {
    int64_t low = 0, high = 0;
    // p named again: clang 14 (the sanitized build) cannot capture a structured binding.
    if (auto err = in_slices(deadline, [&, p = p](int slice_ms) {
          return query_watermarks(consumer_.get(), topic_, p, &low, &high,
                                  std::chrono::milliseconds(slice_ms));
        })) {
      return failure(err);
    }
    end[p] = high;
  }
  auto behind = [&] {
    for (const auto& [p, high] : end) {
      if (next_[p] >= high) continue;
      // Transaction markers and compacted-away offsets deliver nothing: ask for the position.
      PartitionListPtr position(rd_kafka_topic_partition_list_new(1));
      rd_kafka_topic_partition_list_add(position.get(), topic_.c_str(), p);
      rd_kafka_position(consumer_.get(), position.get());
      next_[p] = std::max(next_[p], position->elems[0].offset);
      if (next_[p] < high) return true;
    }
    return false;
  };
  while (behind()) {
    if (Clock::now() >= deadline || stopping()) {
      return KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, "cluster " + cluster_ + ": reading " +
                                                          topic_ + ": end not reached in " +
                                                          std::to_string(timeout.count()) + " ms");
    }
    MessagePtr m(rd_kafka_consumer_poll(consumer_.get(), 100));
    if (!m || m->err) continue;
    next_[m->partition] = m->offset + 1;
    deliver(*m);
  }
  return {};
}

}  // namespace duplex::kafka
