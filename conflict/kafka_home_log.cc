#include "conflict/kafka_home_log.h"

#include <spdlog/spdlog.h>

#include "kafka/produce.h"
#include "kafka/record_headers.h"
#include "kafka/timestamps.h"
#include "kafka/watermarks.h"

namespace duplex::conflict {
namespace {

HomeRecord to_home_record(kafka::MessagePtr m) {
  HomeRecord r;
  r.topic = rd_kafka_topic_name(m->rkt);
  r.partition = m->partition;
  r.offset = m->offset;
  if (m->key) r.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) r.value = std::string_view(static_cast<const char*>(m->payload), m->len);
  r.timestamp = kafka::message_timestamp(m.get());
  r.headers = kafka::message_headers(m.get());
  r.owner = std::move(m);
  return r;
}

}  // namespace

KafkaHomeLog::KafkaHomeLog(const std::string& region, const kafka::Properties& cluster_props,
                           const std::atomic<bool>& stop, std::chrono::milliseconds timeout)
    : region_(region), props_(cluster_props), stop_(stop), timeout_(timeout) {
  reader_ = make_consumer("reader");
  back_reader_ = make_consumer("read-back");
  make_producer();
}

KafkaHomeLog::~KafkaHomeLog() {
  // Unacknowledged repairs are not waited for: their losers are read again at the next start.
  rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  producer_.reset();  // before acks_, which its callbacks write to
}

kafka::HandlePtr KafkaHomeLog::make_consumer(const std::string& role) {
  auto conf = kafka::make_conf(
      region_, props_,
      {{"group.id", "duplex." + region_ + ".home-reader"},  // never joined: assign() only
       {"enable.auto.commit", "false"},
       {"enable.auto.offset.store", "false"},
       {"enable.partition.eof", "false"},
       {"isolation.level", "read_committed"},
       // A read back below the log start is a record that is gone, not a reason to jump.
       {"auto.offset.reset", role == "reader" ? "earliest" : "error"},
       {"fetch.wait.max.ms", "100"},
       {"client.id", "duplex-" + region_ + "-home-" + role}});
  auto consumer = kafka::make_client(region_, RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(consumer.get());
  return consumer;
}

void KafkaHomeLog::make_producer() {
  kafka::Properties props = {{"linger.ms", "5"}, {"message.timeout.ms", "0"}};
  for (const auto& [key, value] : props_) props[key] = value;
  auto conf = kafka::make_conf(region_, props,
                               {{"enable.idempotence", "true"},
                                {"acks", "all"},
                                {"client.id", "duplex-" + region_ + "-home-repairs"}});
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  rd_kafka_conf_set_error_cb(conf.get(), on_error);
  producer_ = kafka::make_client(region_, RD_KAFKA_PRODUCER, std::move(conf));
}

kafka::Result<std::map<std::string, int>> KafkaHomeLog::topics() {
  const rd_kafka_metadata_t* raw = nullptr;
  if (auto err =
          rd_kafka_metadata(reader_.get(), 1, nullptr, &raw, static_cast<int>(timeout_.count()))) {
    return kafka::KafkaError::from(err, "cluster " + region_ + ": listing topics");
  }
  kafka::MetadataPtr metadata(raw);
  std::map<std::string, int> out;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const auto& t = metadata->topics[i];
    if (!t.err) out[t.topic] = t.partition_cnt;
  }
  return out;
}

kafka::Result<HomeLog::Ends> KafkaHomeLog::ends(const std::string& topic, int32_t partition) {
  Ends ends;
  if (auto err = kafka::query_watermarks(reader_.get(), topic, partition, &ends.low, &ends.high,
                                         timeout_)) {
    return kafka::KafkaError::from(err, "cluster " + region_ + ": the ends of " + topic + "[" +
                                            std::to_string(partition) + "]");
  }
  return ends;
}

kafka::KafkaError KafkaHomeLog::read(const std::vector<Start>& starts) {
  // assign() replaces the whole assignment: the partitions read already go on from where
  // their last delivered record left them.
  for (const auto& [tp, next] : next_) {
    if (auto at = position(tp.first, tp.second)) next_[tp] = std::max(next, *at);
  }
  for (const auto& s : starts) next_[{s.topic, s.partition}] = s.offset;
  kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(next_.size())));
  for (const auto& [tp, next] : next_) {
    rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = next;
  }
  return kafka::KafkaError::from(rd_kafka_assign(reader_.get(), list.get()),
                                 "cluster " + region_ + ": reading the managed topics");
}

std::optional<HomeRecord> KafkaHomeLog::poll(std::chrono::milliseconds wait) {
  kafka::MessagePtr m(rd_kafka_consumer_poll(reader_.get(), static_cast<int>(wait.count())));
  if (!m) return std::nullopt;
  if (m->err) {
    spdlog::warn("home reader: reading {}: {}", region_, rd_kafka_message_errstr(m.get()));
    return std::nullopt;
  }
  return to_home_record(std::move(m));
}

std::optional<int64_t> KafkaHomeLog::position(const std::string& topic, int32_t partition) {
  kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition);
  rd_kafka_position(reader_.get(), list.get());
  const int64_t offset = list->elems[0].offset;
  if (offset < 0) return std::nullopt;
  return offset;
}

kafka::Result<std::optional<HomeRecord>> KafkaHomeLog::read_at(const std::string& topic,
                                                               int32_t partition, int64_t offset) {
  const std::string what = "cluster " + region_ + ": reading back " + topic + "[" +
                           std::to_string(partition) + "]@" + std::to_string(offset);
  kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
  if (auto err = rd_kafka_assign(back_reader_.get(), list.get())) {
    return kafka::KafkaError::from(err, what);
  }
  struct UnassignAfter {
    rd_kafka_t* rk;
    ~UnassignAfter() { rd_kafka_assign(rk, nullptr); }
  } unassign_after{back_reader_.get()};
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (std::chrono::steady_clock::now() < deadline && !stop_) {
    kafka::MessagePtr m(rd_kafka_consumer_poll(back_reader_.get(), 100));
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) return std::optional<HomeRecord>();
    if (m->err) return kafka::KafkaError::from(m->err, what);
    // The first record at or after it: another one means it was compacted away.
    if (m->offset != offset) return std::optional<HomeRecord>();
    return std::optional<HomeRecord>(to_home_record(std::move(m)));
  }
  return kafka::KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT,
                           what + ": no answer in " + std::to_string(timeout_.count()) + " ms");
}

kafka::KafkaError KafkaHomeLog::write(const Repair& repair, uint64_t token) {
  kafka::HeadersPtr headers(rd_kafka_headers_new(repair.headers.size()));
  for (const auto& [name, value] : repair.headers) {
    rd_kafka_header_add(headers.get(), name.data(), static_cast<ssize_t>(name.size()),
                        value ? value->data() : nullptr,
                        value ? static_cast<ssize_t>(value->size()) : 0);
  }
  kafka::OutgoingRecord out;
  out.topic = repair.topic.c_str();
  out.partition = repair.partition;
  out.key = repair.key.data();
  out.key_len = repair.key.size();
  out.value = repair.value ? repair.value->data() : nullptr;
  out.value_len = repair.value ? repair.value->size() : 0;
  out.timestamp = repair.timestamp;
  out.opaque = reinterpret_cast<void*>(token);
  return kafka::KafkaError::from(kafka::produce(producer_.get(), out, headers, &stop_),
                                 "cluster " + region_ + ": writing a repair to " + repair.topic);
}

std::vector<HomeLog::Ack> KafkaHomeLog::take_acks(std::chrono::milliseconds wait) {
  rd_kafka_poll(producer_.get(), static_cast<int>(wait.count()));
  if (fatal_) replace_producer();
  return std::exchange(acks_, {});
}

void KafkaHomeLog::replace_producer() {
  char reason[512];
  rd_kafka_fatal_error(producer_.get(), reason, sizeof reason);
  spdlog::error("home reader: the repair producer failed ({}): replaced, its repairs written again",
                reason);
  // Every repair it held is reported failed (purged), then written again by the reader.
  rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(producer_.get(), static_cast<int>(timeout_.count()));
  fatal_ = false;
  make_producer();
}

void KafkaHomeLog::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<KafkaHomeLog*>(opaque);
  Ack ack{reinterpret_cast<uint64_t>(m->_private), {}};
  if (m->err) ack.error = kafka::KafkaError::from(m->err, "repair");
  self->acks_.push_back(std::move(ack));
}

void KafkaHomeLog::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    static_cast<KafkaHomeLog*>(opaque)->fatal_ = true;
    return;
  }
  spdlog::warn("kafka client {}: {} ({})", rd_kafka_name(rk), reason,
               rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)));
}

}  // namespace duplex::conflict
