#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "kafka/client_factory.h"
#include "kafka/handles.h"
#include "kafka/kafka_error.h"

namespace duplex::kafka {

// Reads a topic from its beginning, a piece at a time: each call delivers what was appended
// since the last one, up to the partitions' ends at the time of the call. For duplex's own
// compacted topics (offset syncs, checkpoints), read_committed, without group commits.
// Requests are asked in short slices: a stop (the flag given) ends a call within one.
class LogReader {
 public:
  LogReader(const std::string& cluster, const Properties& cluster_props, std::string topic,
            const std::atomic<bool>* stop = nullptr);

  // RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART when the topic does not exist (nothing delivered);
  // a timeout when the end was not reached in time (what was read is delivered and kept).
  KafkaError read_new(const std::function<void(const rd_kafka_message_t&)>& deliver,
                      std::chrono::milliseconds timeout);

  const std::string& topic() const { return topic_; }

 private:
  // Assigns every partition at the next offset to deliver; read_new() unassigns after reading.
  KafkaError assign(std::chrono::steady_clock::time_point deadline);
  // Calls `request(slice)` until it answers other than a timeout, the deadline passes or the
  // stop flag is set.
  rd_kafka_resp_err_t in_slices(std::chrono::steady_clock::time_point deadline,
                                const std::function<rd_kafka_resp_err_t(int)>& request) const;
  bool stopping() const { return stop_ && stop_->load(); }
  KafkaError failure(rd_kafka_resp_err_t err) const;

  std::string cluster_;
  std::string topic_;
  const std::atomic<bool>* stop_;
  HandlePtr consumer_;
  std::map<int32_t, int64_t> next_;  // partition -> next offset to deliver
};

}  // namespace duplex::kafka
