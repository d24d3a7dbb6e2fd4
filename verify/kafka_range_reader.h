#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "kafka/client_factory.h"
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

 private:
  kafka::KafkaError failure(rd_kafka_resp_err_t err, const std::string& what) const;
  int64_t position(const std::string& topic, int32_t partition) const;

  std::string cluster_;
  RateLimiter& limiter_;
  const std::atomic<bool>* stop_;
  std::chrono::milliseconds stall_;
  kafka::HandlePtr consumer_;
};

}  // namespace duplex::verify
