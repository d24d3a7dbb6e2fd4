#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "kafka/kafka_error.h"
#include "verify/verify_record.h"

namespace duplex::verify {

// How `duplex verify` reads one cluster: the seam between the comparison and Kafka (tests
// use a fake).
class RangeReader {
 public:
  virtual ~RangeReader() = default;

  template <class T>
  using Result = std::variant<T, kafka::KafkaError>;
  struct Bounds {
    int64_t low = 0;   // the first offset still in the log
    int64_t high = 0;  // the high watermark
  };

  // Every topic with its partition count.
  virtual Result<std::map<std::string, int>> topics() = 0;
  virtual Result<Bounds> bounds(const std::string& topic, int32_t partition) = 0;
  // The first offset whose timestamp is at or after `time_ms` (the end when none is).
  virtual Result<int64_t> offset_at(const std::string& topic, int32_t partition,
                                    int64_t time_ms) = 0;
  // Delivers the committed records of [from, to) in offset order (read_committed). Returns
  // the offset it read up to: `to`, or less when the partition's readable end (an open
  // transaction) came first.
  virtual Result<int64_t> read(const std::string& topic, int32_t partition, int64_t from,
                               int64_t to, const std::function<void(VerifyRecord&&)>& deliver) = 0;
  // How many records a read_uncommitted read of [from, to) delivers: below the last stable
  // offset, where read() delivered none, the records of aborted transactions.
  virtual Result<int64_t> count_uncommitted(const std::string& topic, int32_t partition,
                                            int64_t from, int64_t to) = 0;
};

}  // namespace duplex::verify
