#include "verify/kafka_range_reader.h"

#include <algorithm>

#include "kafka/topic_admin.h"
#include "kafka/watermarks.h"

namespace duplex::verify {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kRequestTimeout{30000};

std::string queue_kbytes(double bytes_per_second) {
  // Rate-limited: prefetch about a quarter of a second, so the cluster is not read ahead of
  // the limit by librdkafka's queue (64 MiB by default).
  if (bytes_per_second <= 0) return "65536";
  return std::to_string(
      std::clamp<int64_t>(static_cast<int64_t>(bytes_per_second / 4096), 64, 65536));
}

}  // namespace

KafkaRangeReader::KafkaRangeReader(const std::string& cluster, const kafka::Properties& props,
                                   RateLimiter& limiter, const std::atomic<bool>* stop,
                                   std::chrono::milliseconds stall)
    : cluster_(cluster), limiter_(limiter), stop_(stop), stall_(stall), props_(props) {
  consumer_ = consumer("read_committed");
  // busy_records 0: nudged even while the queue is empty (a drained queue is the stall).
  nudger_ = std::make_unique<kafka::FetchNudger>(consumer_.get(), flowing_,
                                                 std::chrono::milliseconds(50), 0);
}

kafka::HandlePtr KafkaRangeReader::consumer(const std::string& isolation) const {
  auto conf = kafka::make_conf(
      cluster_, props_,
      {{"group.id", "duplex-verify"},
       {"enable.auto.commit", "false"},
       {"enable.auto.offset.store", "false"},
       {"enable.partition.eof", "true"},
       {"isolation.level", isolation},
       {"auto.offset.reset", "error"},  // a range below the log start is an error, not a jump
       {"queued.max.messages.kbytes", queue_kbytes(limiter_.bytes_per_second())},
       // The next range's fetch waits for the one in flight (a long poll at the end of the
       // last range): 100 ms made every read of a small partition take 145 ms, 10 ms takes 10.
       {"fetch.wait.max.ms", "10"}});
  return kafka::make_client(cluster_, RD_KAFKA_CONSUMER, std::move(conf));
}

kafka::KafkaError KafkaRangeReader::failure(rd_kafka_resp_err_t err,
                                            const std::string& what) const {
  return kafka::KafkaError::from(err, "cluster " + cluster_ + ": " + what);
}

RangeReader::Result<std::map<std::string, int>> KafkaRangeReader::topics() {
  return kafka::TopicAdmin(consumer_.get(), cluster_).list_topics(kRequestTimeout);
}

RangeReader::Result<RangeReader::Bounds> KafkaRangeReader::bounds(const std::string& topic,
                                                                  int32_t partition) {
  Bounds b;
  if (auto err = kafka::query_watermarks(consumer_.get(), topic, partition, &b.low, &b.high,
                                         kRequestTimeout)) {
    return failure(err, "watermarks of " + topic + "[" + std::to_string(partition) + "]");
  }
  return b;
}

RangeReader::Result<int64_t> KafkaRangeReader::offset_at(const std::string& topic,
                                                         int32_t partition, int64_t time_ms) {
  kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = time_ms;
  auto err = rd_kafka_offsets_for_times(consumer_.get(), list.get(),
                                        static_cast<int>(kRequestTimeout.count()));
  if (!err) err = list->elems[0].err;
  const std::string what = "offset at time " + std::to_string(time_ms) + " of " + topic + "[" +
                           std::to_string(partition) + "]";
  if (err) return failure(err, what);
  if (list->elems[0].offset >= 0) return list->elems[0].offset;
  // No record at or after the time: the end.
  auto b = bounds(topic, partition);
  if (auto* e = std::get_if<kafka::KafkaError>(&b)) return *e;
  return std::get<Bounds>(b).high;
}

int64_t KafkaRangeReader::position(rd_kafka_t* consumer, const std::string& topic,
                                   int32_t partition) {
  kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition);
  rd_kafka_position(consumer, list.get());
  return list->elems[0].offset;
}

RangeReader::Result<int64_t> KafkaRangeReader::read(
    const std::string& topic, int32_t partition, int64_t from, int64_t to,
    const std::function<void(VerifyRecord&&)>& deliver) {
  return read_with(consumer_.get(), topic, partition, from, to, [&](const rd_kafka_message_t& m) {
    auto record = summarize(m);
    limiter_.take(record.bytes);
    deliver(std::move(record));
  });
}

RangeReader::Result<int64_t> KafkaRangeReader::count_uncommitted(const std::string& topic,
                                                                 int32_t partition, int64_t from,
                                                                 int64_t to) {
  if (!uncommitted_) uncommitted_ = consumer("read_uncommitted");
  int64_t count = 0;
  auto got =
      read_with(uncommitted_.get(), topic, partition, from, to, [&](const rd_kafka_message_t& m) {
        limiter_.take(m.key_len + m.len);
        ++count;
      });
  if (auto* e = std::get_if<kafka::KafkaError>(&got)) return *e;
  return count;
}

RangeReader::Result<int64_t> KafkaRangeReader::read_with(
    rd_kafka_t* consumer, const std::string& topic, int32_t partition, int64_t from, int64_t to,
    const std::function<void(const rd_kafka_message_t&)>& deliver) {
  const std::string what = "reading " + topic + "[" + std::to_string(partition) + "] " +
                           std::to_string(from) + ".." + std::to_string(to);
  if (from >= to) return to;
  kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = from;
  if (auto err = rd_kafka_assign(consumer, list.get())) return failure(err, what);
  struct UnassignAfter {
    rd_kafka_t* rk;
    ~UnassignAfter() { rd_kafka_assign(rk, nullptr); }
  } unassign_after{consumer};

  int64_t next = from;
  auto last_progress = Clock::now();
  while (next < to) {
    if (stop_ && stop_->load()) {
      return kafka::KafkaError(RD_KAFKA_RESP_ERR__DESTROY,
                               "cluster " + cluster_ + ": " + what + ": interrupted");
    }
    if (Clock::now() - last_progress > stall_) {
      return kafka::KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT,
                               "cluster " + cluster_ + ": " + what + ": nothing read at offset " +
                                   std::to_string(next) + " for " + std::to_string(stall_.count()) +
                                   " ms");
    }
    kafka::MessagePtr m(rd_kafka_consumer_poll(consumer, 100));
    if (!m) {
      // Markers and aborted records deliver nothing: the position passes them.
      next = std::max(next, std::min(position(consumer, topic, partition), to));
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // The readable end (the last stable offset when a transaction is open): stop there.
      next = std::max(next, std::min(m->offset, to));
      return next;
    }
    if (m->err) {
      switch (m->err) {
        case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:  // below the log start (auto.offset.reset)
        case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
        case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
          return failure(m->err, what);
        default:
          continue;  // transient: librdkafka retries; the stall bound ends it
      }
    }
    last_progress = Clock::now();
    if (m->offset >= to) {
      next = to;
      break;
    }
    next = m->offset + 1;
    deliver(*m);
  }
  return next;
}

}  // namespace duplex::verify
