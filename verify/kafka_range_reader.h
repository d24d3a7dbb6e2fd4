#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "kafka/client_factory.h"
#include "kafka/fetch_nudger.h"
#include "kafka/handles.h"
#include "verify/range_reader.h"
#include "verify/rate_limiter.h"

namespace duplex::verify {

// RangeReader on a Kafka cluster: one consumer without a group (assign, no commits),
// read_committed, its reading held to the rate limiter's.
class KafkaRangeReader : public RangeReader {
 public:
  // A read that gets no record and no end for `stall` fails (the cluster is away).
  KafkaRangeReader(const std::string& cluster, const kafka::Properties& props, RateLimiter& limiter,
                   const std::atomic<bool>* stop,
                   std::chrono::milliseconds stall = std::chrono::seconds(30));
  KafkaRangeReader(const KafkaRangeReader&) = delete;
  KafkaRangeReader& operator=(const KafkaRangeReader&) = delete;

  Result<std::map<std::string, int>> topics() override;
  Result<Bounds> bounds(const std::string& topic, int32_t partition) override;
  Result<int64_t> offset_at(const std::string& topic, int32_t partition, int64_t time_ms) override;
  Result<int64_t> read(const std::string& topic, int32_t partition, int64_t from, int64_t to,
                       const std::function<void(VerifyRecord&&)>& deliver) override;
  Result<int64_t> count_uncommitted(const std::string& topic, int32_t partition, int64_t from,
                                    int64_t to) override;

 private:
  kafka::HandlePtr consumer(const std::string& isolation) const;
  Result<int64_t> read_with(rd_kafka_t* consumer, const std::string& topic, int32_t partition,
                            int64_t from, int64_t to,
                            const std::function<void(const rd_kafka_message_t&)>& deliver);
  kafka::KafkaError failure(rd_kafka_resp_err_t err, const std::string& what) const;
  static int64_t position(rd_kafka_t* consumer, const std::string& topic, int32_t partition);

  std::string cluster_;
  RateLimiter& limiter_;
  const std::atomic<bool>* stop_;
  std::chrono::milliseconds stall_;
  kafka::Properties props_;
  kafka::HandlePtr consumer_;
  kafka::HandlePtr uncommitted_;      // made on first use
  std::atomic<uint64_t> flowing_{0};  // records taken from consumer_
  // A small queue (--rate) is full often, and librdkafka 2.0.2 fetches again only when its
  // broker thread next wakes (kafka/fetch_nudger.h): 0.6-0.7 s later on the mock cluster, which
  // held a 2 MB/s read to 1.1 MB/s. Woken every 50 ms while a read is assigned.
  std::unique_ptr<kafka::FetchNudger> nudger_;
};

}  // namespace duplex::verify
