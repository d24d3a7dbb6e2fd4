#pragma once
// A Source with in-memory partition logs and a scripted group, for copy-loop tests: no broker,
// no threads, no waiting. poll() first serves one pending group decision (as librdkafka serves
// a rebalance from within poll), else returns the next record of an assigned, unpaused
// partition, or tells the listener once that one reached its end (as enable.partition.eof).

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "offsets/offset_records.h"
#include "replicator/source.h"

namespace duplex::replicator::testing {

class FakeSource : public Source {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  // Appends a record to the partition's log; returns its offset.
  int64_t append(const TopicPartition& tp, const std::string& value, Headers headers = {},
                 int64_t timestamp = 1700000000000) {
    return append_keyed(tp, "key-" + value, value, std::move(headers), timestamp);
  }
  // The same with its key; a null value is a tombstone.
  int64_t append_keyed(const TopicPartition& tp, const std::string& key,
                       std::optional<std::string> value, Headers headers = {},
                       int64_t timestamp = 1700000000000) {
    auto& log = logs_[tp];
    Stored& s = log.emplace_back();
    s.key = key;
    s.value = std::move(value);
    s.timestamp = timestamp;
    s.headers.reset(rd_kafka_headers_new(headers.size()));
    for (const auto& [name, v] : headers) {
      rd_kafka_header_add(s.headers.get(), name.data(), static_cast<ssize_t>(name.size()), v.data(),
                          static_cast<ssize_t>(v.size()));
    }
    return static_cast<int64_t>(log.size()) - 1;
  }
  // A record stamped by another region.
  int64_t append_from(const TopicPartition& tp, const std::string& value,
                      const std::string& origin) {
    return append(tp, value, {{std::string(offsets::kOriginHeader), origin}});
  }
  // Offsets that hold no record (transaction markers, compaction).
  void append_gap(const TopicPartition& tp) { logs_[tp].emplace_back().gap = true; }

  // Retention deleted the partition's records below `log_start`: a position below it reads on
  // from there, as librdkafka does with auto.offset.reset=earliest.
  void expire(const TopicPartition& tp, int64_t log_start) { log_starts_[tp] = log_start; }
  // The topic was deleted and created again: its offsets start from 0, and a position past its
  // end reads on from its start.
  void recreate(const TopicPartition& tp) {
    logs_[tp].clear();
    log_starts_.erase(tp);
  }

  // Group decisions, served one per poll() in order.
  void give(std::vector<TopicPartition> partitions) {
    decisions_.push_back({std::move(partitions), false, false});
  }
  void take_away(std::vector<TopicPartition> partitions, bool lost) {
    decisions_.push_back({std::move(partitions), true, lost});
  }
  // The next `n` seeks fail as a partition that has not started fetching.
  void fail_seeks(int n) { failing_seeks_ = n; }
  // Pauses, resumes and unassignments fail (as for partitions librdkafka does not know).
  bool fail_pause_resume = false;
  bool fail_unassign = false;

  bool assigned(const TopicPartition& tp) const { return positions_.count(tp) > 0; }
  bool paused(const TopicPartition& tp) const { return paused_.count(tp) > 0; }
  std::optional<int64_t> committed(const TopicPartition& tp) const {
    auto it = committed_.find(tp);
    return it == committed_.end() ? std::nullopt : std::optional<int64_t>(it->second);
  }
  const std::vector<std::string>& subscription() const { return subscription_; }
  const std::vector<std::pair<TopicPartition, int64_t>>& seeks() const { return seeks_; }
  size_t commits() const { return commits_; }
  // An older commit lands after ours (a retried or deferred request): the group goes back.
  void commit_behind_the_loop(const TopicPartition& tp, int64_t offset) { committed_[tp] = offset; }

  // Source
  void set_listener(SourceListener* listener) override { listener_ = listener; }
  std::optional<SourceRecord> poll(std::chrono::milliseconds) override {
    if (!decisions_.empty()) {
      auto d = std::move(decisions_.front());
      decisions_.pop_front();
      if (d.revoke) {
        listener_->on_revoked(d.partitions, d.lost);
      } else {
        listener_->on_assigned(d.partitions);
      }
      return std::nullopt;
    }
    for (auto& [tp, position] : positions_) {
      if (paused_.count(tp)) continue;
      auto& log = logs_[tp];
      const int64_t start = log_start(tp).value_or(0);
      if (position < start || position > static_cast<int64_t>(log.size())) position = start;
      while (position < static_cast<int64_t>(log.size()) && log[position].gap) ++position;
      if (position >= static_cast<int64_t>(log.size())) {
        if (auto told = ends_told_.find(tp); told != ends_told_.end() && told->second == position) {
          continue;
        }
        ends_told_[tp] = position;
        listener_->on_partition_end(tp, position);
        return std::nullopt;
      }
      const Stored& s = log[position];
      SourceRecord r;
      r.topic = tp.topic;
      r.partition = tp.partition;
      r.offset = position++;
      r.key = s.key.data();
      r.key_len = s.key.size();
      r.value = s.value ? s.value->data() : nullptr;
      r.value_len = s.value ? s.value->size() : 0;
      r.timestamp = s.timestamp;
      r.headers = s.headers.get();
      return r;
    }
    return std::nullopt;
  }
  kafka::KafkaError subscribe(const std::vector<std::string>& topics) override {
    subscription_ = topics;
    return {};
  }
  kafka::KafkaError assign(const std::vector<TopicPartition>& partitions) override {
    for (const auto& tp : partitions) {
      positions_[tp] = committed(tp).value_or(0);
      ends_told_.erase(tp);
    }
    return {};
  }
  kafka::KafkaError unassign(const std::vector<TopicPartition>& partitions) override {
    if (fail_unassign) return kafka::KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG, "unassigning");
    for (const auto& tp : partitions) {
      positions_.erase(tp);
      paused_.erase(tp);
    }
    return {};
  }
  kafka::KafkaError pause(const std::vector<TopicPartition>& partitions) override {
    if (fail_pause_resume)
      return kafka::KafkaError(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, "pausing");
    for (const auto& tp : partitions) paused_.insert(tp);
    return {};
  }
  kafka::KafkaError resume(const std::vector<TopicPartition>& partitions) override {
    if (fail_pause_resume) {
      return kafka::KafkaError(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, "resuming");
    }
    for (const auto& tp : partitions) {
      paused_.erase(tp);
      ends_told_.erase(tp);
    }
    return {};
  }
  kafka::KafkaError seek(const TopicPartition& tp, int64_t offset) override {
    if (failing_seeks_ > 0) {
      failing_seeks_--;
      return kafka::KafkaError(RD_KAFKA_RESP_ERR__STATE, "seeking: not fetching yet");
    }
    seeks_.emplace_back(tp, offset);
    positions_.at(tp) = offset;
    ends_told_.erase(tp);
    return {};
  }
  kafka::KafkaError commit(const std::map<TopicPartition, int64_t>& offsets, bool) override {
    commits_++;
    for (const auto& [tp, offset] : offsets) committed_[tp] = offset;
    listener_->on_committed(offsets);
    return {};
  }
  std::map<TopicPartition, int64_t> committed(
      const std::vector<TopicPartition>& partitions) override {
    std::map<TopicPartition, int64_t> out;
    for (const auto& tp : partitions) {
      if (auto offset = committed(tp)) out[tp] = *offset;
    }
    return out;
  }
  std::optional<int64_t> log_start(const TopicPartition& tp) override {
    auto it = log_starts_.find(tp);
    return it == log_starts_.end() ? 0 : it->second;
  }
  std::optional<int64_t> high_watermark(const TopicPartition& tp, bool) override {
    return static_cast<int64_t>(logs_[tp].size());
  }
  std::optional<int64_t> position(const TopicPartition& tp) override {
    auto it = positions_.find(tp);
    return it == positions_.end() ? std::nullopt : std::optional<int64_t>(it->second);
  }

 private:
  struct Stored {
    std::string key;
    std::optional<std::string> value;
    int64_t timestamp = 0;
    kafka::HeadersPtr headers;
    bool gap = false;
  };
  struct Decision {
    std::vector<TopicPartition> partitions;
    bool revoke;
    bool lost;
  };

  SourceListener* listener_ = nullptr;
  std::map<TopicPartition, std::deque<Stored>> logs_;  // deque: records keep their addresses
  std::deque<Decision> decisions_;
  std::map<TopicPartition, int64_t> positions_;  // assigned partitions: next offset to deliver
  std::map<TopicPartition, int64_t> ends_told_;  // the end last told, until the position moves
  std::set<TopicPartition> paused_;
  std::map<TopicPartition, int64_t> committed_;
  std::map<TopicPartition, int64_t> log_starts_;
  std::vector<std::string> subscription_;
  std::vector<std::pair<TopicPartition, int64_t>> seeks_;
  size_t commits_ = 0;
  int failing_seeks_ = 0;
};

}  // namespace duplex::replicator::testing
