#pragma once
// A RecordWriter that keeps what is written and answers only when told: a test decides which
// records the "target" acknowledges, rejects or leaves in flight. Answers reach the handler
// from poll(), as librdkafka's delivery reports do.

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "replicator/record_writer.h"

namespace duplex::replicator::testing {

class FakeRecordWriter : public RecordWriter {
 public:
  struct Written {
    std::string topic;
    int32_t partition;
    std::string key, value;
    int64_t timestamp;
    std::vector<std::pair<std::string, std::string>> headers;
    void* token;
    int64_t target_offset;  // where the target puts it, in write order per partition
    bool answered = false;

    std::optional<std::string> header(const std::string& name) const {
      for (const auto& [k, v] : headers) {
        if (k == name) return v;
      }
      return std::nullopt;
    }
  };

  // Every record written, in write order.
  const std::vector<Written>& written() const { return written_; }
  std::vector<const Written*> written_to(const std::string& topic) const {
    std::vector<const Written*> out;
    for (const auto& w : written_) {
      if (w.topic == topic) out.push_back(&w);
    }
    return out;
  }
  size_t unanswered() const { return queued(); }

  // Answers the unanswered records that `which` picks (all by default), with `error`; the
  // handler hears at the next poll().
  void answer(const std::function<bool(const Written&)>& which = nullptr,
              rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (auto& w : written_) {
      if (w.answered || (which && !which(w))) continue;
      w.answered = true;
      reports_.push_back({w.token, error, error ? -1 : w.target_offset});
    }
  }
  void answer_topic(const std::string& topic) {
    answer([&](const Written& w) { return w.topic == topic; });
  }
  // Every poll answers everything written so far: a fast target.
  bool answer_on_poll = false;
  // The next write fails with this error, once.
  std::optional<rd_kafka_resp_err_t> fail_next_write;

  // RecordWriter
  void set_handler(DeliveryHandler* handler) override { handler_ = handler; }
  TopicRef topic(const std::string& name) override {
    auto [it, fresh] = refs_.try_emplace(name, static_cast<TopicRef>(names_.size()));
    if (fresh) names_.push_back(name);
    return it->second;
  }
  rd_kafka_resp_err_t write(TopicRef topic, const OutgoingCopy& copy,
                            kafka::HeadersPtr& headers) override {
    if (fail_next_write) {
      auto err = *fail_next_write;
      fail_next_write.reset();
      return err;
    }
    Written w{names_.at(topic),
              copy.partition,
              copy.key ? std::string(static_cast<const char*>(copy.key), copy.key_len) : "",
              copy.value ? std::string(static_cast<const char*>(copy.value), copy.value_len) : "",
              copy.timestamp,
              {},
              copy.token,
              next_offset_[{names_.at(topic), copy.partition}]++};
    if (headers) {
      const char* name;
      const void* value;
      size_t size;
      for (size_t i = 0; !rd_kafka_header_get_all(headers.get(), i, &name, &value, &size); ++i) {
        w.headers.emplace_back(name, std::string(static_cast<const char*>(value), size));
      }
      headers.reset();  // handed over
    }
    written_.push_back(std::move(w));
    return RD_KAFKA_RESP_ERR_NO_ERROR;
  }
  void poll(std::chrono::milliseconds) override {
    if (answer_on_poll) answer();
    while (!reports_.empty()) {
      auto report = reports_.front();
      reports_.pop_front();
      if (handler_) handler_->on_delivery(report);
    }
  }
  bool flush(std::chrono::milliseconds timeout) override {
    poll(timeout);
    return queued() == 0;
  }
  size_t queued() const override {
    size_t n = 0;
    for (const auto& w : written_) n += !w.answered;
    return n + reports_.size();
  }

 private:
  DeliveryHandler* handler_ = nullptr;
  std::map<std::string, TopicRef> refs_;
  std::vector<std::string> names_;
  std::vector<Written> written_;
  std::deque<Delivery> reports_;
  std::map<std::pair<std::string, int32_t>, int64_t> next_offset_;
};

}  // namespace duplex::replicator::testing
