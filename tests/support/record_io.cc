#include "tests/support/record_io.h"

#include <librdkafka/rdkafka.h>

#include <map>
#include <stdexcept>

#include "kafka/client_factory.h"
#include "kafka/handles.h"
#include "kafka/produce.h"
#include "kafka/watermarks.h"

namespace duplex::testing {

using namespace std::chrono_literals;
using kafka::ErrorPtr;
using kafka::HandlePtr;
using kafka::make_client;
using kafka::make_conf;
using kafka::MessagePtr;
using kafka::MetadataPtr;
using kafka::PartitionListPtr;
using kafka::Properties;

namespace {

std::optional<std::string> bytes(const void* data, size_t size) {
  if (data == nullptr) return std::nullopt;
  return std::string(static_cast<const char*>(data), size);
}

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  if (m->err) {
    *static_cast<std::string*>(opaque) = rd_kafka_err2str(m->err);
  }
}

}  // namespace

std::optional<std::string> Record::header(const std::string& name) const {
  std::optional<std::string> last;
  for (const auto& [k, v] : headers) {
    if (k == name) last = v;
  }
  return last;
}

namespace {

// Queues every record (to its own partition); throws on a local produce error. A full queue
// waits at most message.timeout.ms (see test_producer): queued records time out and make room.
void send(rd_kafka_t* producer, const std::string& topic, const std::vector<Record>& records) {
  for (const auto& r : records) {
    kafka::HeadersPtr headers(rd_kafka_headers_new(r.headers.size()));
    for (const auto& [k, v] : r.headers) {
      rd_kafka_header_add(headers.get(), k.data(), static_cast<ssize_t>(k.size()), v.data(),
                          static_cast<ssize_t>(v.size()));
    }
    kafka::OutgoingRecord out;
    out.topic = topic.c_str();
    out.partition = r.partition;
    out.key = r.key ? r.key->data() : nullptr;
    out.key_len = r.key ? r.key->size() : 0;
    out.value = r.value ? r.value->data() : nullptr;
    out.value_len = r.value ? r.value->size() : 0;
    out.timestamp = r.timestamp;
    if (auto err = kafka::produce(producer, out, headers)) {
      throw std::runtime_error(std::string("test produce: ") + rd_kafka_err2str(err));
    }
    rd_kafka_poll(producer, 0);
  }
}

HandlePtr test_producer(const Properties& cluster, Properties ours, std::string& delivery_error) {
  ours["enable.idempotence"] = "true";
  ours["linger.ms"] = "5";
  ours["message.timeout.ms"] = "60000";  // bounds a wait on a cluster that is away
  auto conf = make_conf("reader", cluster, ours);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  rd_kafka_conf_set_opaque(conf.get(), &delivery_error);
  return make_client("reader", RD_KAFKA_PRODUCER, std::move(conf));
}

void check(rd_kafka_error_t* raw, const char* what) {
  ErrorPtr error(raw);
  if (error) {
    throw std::runtime_error(std::string("test produce: ") + what + ": " +
                             rd_kafka_error_string(error.get()));
  }
}

}  // namespace

void produce_records(const std::string& bootstrap, const std::string& topic,
                     const std::vector<Record>& records) {
  produce_records(Properties{{"bootstrap.servers", bootstrap}}, topic, records);
}

void produce_records(const Properties& cluster, const std::string& topic,
                     const std::vector<Record>& records) {
  std::string delivery_error;
  auto producer = test_producer(cluster, {}, delivery_error);
  send(producer.get(), topic, records);
  if (rd_kafka_flush(producer.get(), 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("test produce: flush timed out");
  }
  if (!delivery_error.empty()) throw std::runtime_error("test produce: " + delivery_error);
}

void produce_in_transaction(const std::string& bootstrap, const std::string& topic,
                            const std::vector<Record>& records, const std::string& transactional_id,
                            bool commit) {
  std::string delivery_error;
  auto producer = test_producer({{"bootstrap.servers", bootstrap}},
                                {{"transactional.id", transactional_id}}, delivery_error);
  check(rd_kafka_init_transactions(producer.get(), 30000), "init");
  check(rd_kafka_begin_transaction(producer.get()), "begin");
  send(producer.get(), topic, records);
  if (commit) {
    check(rd_kafka_commit_transaction(producer.get(), 60000), "commit");
  } else {
    rd_kafka_flush(producer.get(), 60000);  // on the broker, then aborted
    check(rd_kafka_abort_transaction(producer.get(), 60000), "abort");
  }
  if (commit && !delivery_error.empty())
    throw std::runtime_error("test produce: " + delivery_error);
}

OpenTransaction::OpenTransaction(const std::string& bootstrap, const std::string& topic,
                                 const std::vector<Record>& records,
                                 const std::string& transactional_id) {
  producer_ = test_producer({{"bootstrap.servers", bootstrap}},
                            {{"transactional.id", transactional_id}}, delivery_error_);
  check(rd_kafka_init_transactions(producer_.get(), 30000), "init");
  check(rd_kafka_begin_transaction(producer_.get()), "begin");
  send(producer_.get(), topic, records);
  if (rd_kafka_flush(producer_.get(), 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("test produce: flush of an open transaction timed out");
  }
  if (!delivery_error_.empty()) throw std::runtime_error("test produce: " + delivery_error_);
}

OpenTransaction::~OpenTransaction() {
  // Ends it for the tests that follow; the broker would after transaction.timeout.ms anyway.
  ErrorPtr ignored(rd_kafka_abort_transaction(producer_.get(), 30000));
}

namespace {

HandlePtr reader(const Properties& cluster) {
  auto conf = make_conf("reader", cluster,
                        {{"group.id", "duplex-test-reader"},
                         {"enable.auto.commit", "false"},
                         {"isolation.level", "read_committed"}});
  return make_client("reader", RD_KAFKA_CONSUMER, std::move(conf));
}

int partition_count(rd_kafka_t* rk, const std::string& topic) {
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  auto err = rd_kafka_metadata(rk, 0, rkt, &raw, 10000);
  rd_kafka_topic_destroy(rkt);
  if (err) throw std::runtime_error("test read: metadata: " + std::string(rd_kafka_err2str(err)));
  MetadataPtr metadata(raw);
  if (metadata->topic_cnt != 1 || metadata->topics[0].err) {
    throw std::runtime_error("test read: no topic " + topic);
  }
  return metadata->topics[0].partition_cnt;
}

// Each partition's (low, high) watermarks; empty when the topic cannot be read.
std::map<int, std::pair<int64_t, int64_t>> watermarks(const Properties& cluster,
                                                      const std::string& topic) {
  auto consumer = reader(cluster);
  std::map<int, std::pair<int64_t, int64_t>> marks;
  try {
    for (int p = 0, n = partition_count(consumer.get(), topic); p < n; ++p) {
      int64_t low = 0, high = 0;
      if (kafka::query_watermarks(consumer.get(), topic, p, &low, &high, 10s)) {
        return {};
      }
      marks[p] = {low, high};
    }
  } catch (const std::runtime_error&) {
    return {};
  }
  return marks;
}
}  // namespace

std::map<int, int64_t> start_offsets(const std::string& bootstrap, const std::string& topic) {
  std::map<int, int64_t> starts;
  for (const auto& [partition, marks] : watermarks({{"bootstrap.servers", bootstrap}}, topic))
    starts[partition] = marks.first;
  return starts;
}

std::map<int, int64_t> end_offsets(const std::string& bootstrap, const std::string& topic) {
  return end_offsets(Properties{{"bootstrap.servers", bootstrap}}, topic);
}

std::map<int, int64_t> end_offsets(const Properties& cluster, const std::string& topic) {
  std::map<int, int64_t> ends;
  for (const auto& [partition, marks] : watermarks(cluster, topic)) ends[partition] = marks.second;
  return ends;
}

int64_t count_records(const std::string& bootstrap, const std::string& topic) {
  auto marks = watermarks({{"bootstrap.servers", bootstrap}}, topic);
  if (marks.empty()) return -1;
  int64_t total = 0;
  for (const auto& [partition, range] : marks) total += range.second - range.first;
  return total;
}

std::vector<Record> read_all(const std::string& bootstrap, const std::string& topic,
                             size_t expected, std::chrono::milliseconds timeout,
                             std::chrono::milliseconds linger) {
  return read_all(Properties{{"bootstrap.servers", bootstrap}}, topic, expected, timeout, linger);
}

std::vector<Record> read_all(const Properties& cluster, const std::string& topic, size_t expected,
                             std::chrono::milliseconds timeout, std::chrono::milliseconds linger) {
  auto consumer = reader(cluster);
  PartitionListPtr assignment(rd_kafka_topic_partition_list_new(1));
  for (int p = 0, n = partition_count(consumer.get(), topic); p < n; ++p) {
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(consumer.get(), assignment.get());

  // Once `expected` records are in, the partitions' ends then: duplicates beyond `expected`
  // must be read too, so reading goes on up to them (then lingers for late arrivals).
  auto reached_ends = [&, ends = std::map<int32_t, int64_t>()]() mutable {
    if (ends.empty()) {
      for (int i = 0; i < assignment->cnt; ++i) {
        int64_t low = 0, high = 0;
        kafka::query_watermarks(consumer.get(), topic, i, &low, &high, 5s);
        ends[i] = high;
      }
    }
    PartitionListPtr positions(rd_kafka_topic_partition_list_copy(assignment.get()));
    rd_kafka_position(consumer.get(), positions.get());
    for (int i = 0; i < positions->cnt; ++i) {
      if (ends[i] > 0 && positions->elems[i].offset < ends[i]) return false;
    }
    return true;
  };
  std::vector<Record> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<std::chrono::steady_clock::time_point> linger_until;
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    if (!linger_until && (now >= deadline || (out.size() >= expected && reached_ends()))) {
      linger_until = now + linger;
    }
    if (linger_until && now >= *linger_until) break;
    MessagePtr m(rd_kafka_consumer_poll(consumer.get(), 100));
    if (!m || m->err) continue;
    Record r;
    r.topic = topic;
    r.partition = m->partition;
    r.offset = m->offset;
    r.key = bytes(m->key, m->key_len);
    r.value = bytes(m->payload, m->len);
    r.timestamp = rd_kafka_message_timestamp(m.get(), nullptr);
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m.get(), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name;
      const void* value;
      size_t size;
      for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == 0; ++i) {
        r.headers.emplace_back(name, bytes(value, size).value_or(""));
      }
    }
    out.push_back(std::move(r));
  }
  rd_kafka_consumer_close(consumer.get());
  return out;
}

}  // namespace duplex::testing
