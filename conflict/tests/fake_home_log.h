#pragma once
// A home cluster in memory for home-reader tests: topics of partition logs, a reader that
// delivers every started partition in offset order, read-back by offset, and a writer whose
// repairs land in the log (and are acknowledged) only when the test says so.

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conflict/home_log.h"

namespace duplex::conflict::testing {

class FakeHomeLog : public HomeLog {
 public:
  using Headers = std::vector<std::pair<std::string, std::optional<std::string>>>;

  struct Stored {
    std::optional<std::string> key;
    std::optional<std::string> value;
    int64_t timestamp = 0;
    Headers headers;
    kafka::HeadersPtr built;
    bool gone = false;  // compacted away: delivers nothing, reads back as missing

    std::optional<std::string> header(const std::string& name) const {
      for (const auto& [n, v] : headers) {
        if (n == name) return v;
      }
      return std::nullopt;
    }
  };

  void create(const std::string& topic, int partitions) { logs_[topic].resize(partitions); }
  // Appends to topic[partition]; returns the offset.
  int64_t append(const std::string& topic, int32_t partition, std::optional<std::string> key,
                 std::optional<std::string> value, int64_t timestamp, Headers headers = {}) {
    auto& log = logs_.at(topic).at(partition);
    Stored& s = log.emplace_back();
    s.key = std::move(key);
    s.value = std::move(value);
    s.timestamp = timestamp;
    s.headers = std::move(headers);
    s.built.reset(rd_kafka_headers_new(s.headers.size()));
    for (const auto& [name, v] : s.headers) {
      rd_kafka_header_add(s.built.get(), name.data(), static_cast<ssize_t>(name.size()),
                          v ? v->data() : nullptr, v ? static_cast<ssize_t>(v->size()) : 0);
    }
    return static_cast<int64_t>(log.size()) - 1;
  }
  const std::deque<Stored>& log(const std::string& topic, int32_t partition) const {
    return logs_.at(topic).at(partition);
  }
  void compact_away(const std::string& topic, int32_t partition, int64_t offset) {
    logs_.at(topic).at(partition).at(offset).gone = true;
  }

  // Repairs written and not answered yet, in order.
  const std::vector<std::pair<uint64_t, Repair>>& unanswered() const { return unanswered_; }
  // The target answers the first `n` (all by default): the repairs land, or fail with `error`.
  void answer(size_t n = SIZE_MAX, rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR) {
    n = std::min(n, unanswered_.size());
    for (size_t i = 0; i < n; ++i) {
      auto& [token, r] = unanswered_[i];
      if (!error) append(r.topic, r.partition, r.key, r.value, r.timestamp, r.headers);
      acks_.push_back(
          {token, error ? kafka::KafkaError(error, rd_kafka_err2str(error)) : kafka::KafkaError()});
    }
    unanswered_.erase(unanswered_.begin(), unanswered_.begin() + static_cast<ptrdiff_t>(n));
  }
  int read_backs = 0;
  int failing_read_backs = 0;  // the next ones fail (the cluster does not answer)

  // HomeLog
  kafka::Result<std::map<std::string, int>> topics() override {
    std::map<std::string, int> out;
    for (const auto& [name, partitions] : logs_) out[name] = static_cast<int>(partitions.size());
    return out;
  }
  kafka::Result<Ends> ends(const std::string& topic, int32_t partition) override {
    return Ends{0, static_cast<int64_t>(log(topic, partition).size())};
  }
  kafka::KafkaError read(const std::vector<Start>& starts) override {
    for (const auto& s : starts) positions_[{s.topic, s.partition}] = s.offset;
    return {};
  }
  std::optional<HomeRecord> poll(std::chrono::milliseconds) override {
    for (auto& [tp, position] : positions_) {
      const auto& l = log(tp.first, tp.second);
      while (position < static_cast<int64_t>(l.size()) && l[position].gone) ++position;
      if (position >= static_cast<int64_t>(l.size())) continue;
      return record(tp.first, tp.second, position++);
    }
    return std::nullopt;
  }
  std::optional<int64_t> position(const std::string& topic, int32_t partition) override {
    auto it = positions_.find({topic, partition});
    if (it == positions_.end()) return std::nullopt;
    return it->second;
  }
  kafka::Result<std::optional<HomeRecord>> read_at(const std::string& topic, int32_t partition,
                                                   int64_t offset) override {
    read_backs++;
    if (failing_read_backs > 0) {
      failing_read_backs--;
      return kafka::KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, "reading back: timed out");
    }
    const auto& l = log(topic, partition);
    if (offset >= static_cast<int64_t>(l.size()) || l[offset].gone) {
      return std::optional<HomeRecord>();
    }
    return std::optional<HomeRecord>(record(topic, partition, offset));
  }
  kafka::KafkaError write(const Repair& repair, uint64_t token) override {
    unanswered_.emplace_back(token, repair);
    return {};
  }
  std::vector<Ack> take_acks(std::chrono::milliseconds) override {
    return std::exchange(acks_, {});
  }

 private:
  HomeRecord record(const std::string& topic, int32_t partition, int64_t offset) {
    const Stored& s = log(topic, partition)[offset];
    HomeRecord r;
    r.topic = logs_.find(topic)->first;
    r.partition = partition;
    r.offset = offset;
    if (s.key) r.key = *s.key;
    if (s.value) r.value = *s.value;
    r.timestamp = s.timestamp;
    r.headers = s.built.get();
    return r;
  }

  std::map<std::string, std::vector<std::deque<Stored>>> logs_;
  std::map<std::pair<std::string, int32_t>, int64_t> positions_;
  std::vector<std::pair<uint64_t, Repair>> unanswered_;
  std::vector<Ack> acks_;
};

}  // namespace duplex::conflict::testing
