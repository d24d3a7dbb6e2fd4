#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <variant>

#include "kafka/client_factory.h"
#include "kafka/handles.h"
#include "kafka/kafka_error.h"

namespace duplex::kafka {

// Reads a range of offsets of a partition as a read_committed consumer does, to tell whether
// it holds any record such a consumer would read. Offsets that hold none: transaction markers,
// records of aborted transactions, records compaction removed.
class EmptyRangeProbe {
 public:
  EmptyRangeProbe(const std::string& cluster, const Properties& cluster_props,
                  const std::atomic<bool>* stop = nullptr);

  // The offset of the first record in [from, to) that a read_committed consumer reads, or `to`
  // when there is none. An error when the partition could not be read up to `to` within
  // `timeout`: e.g. an open transaction below `to` holds the last stable offset back.
  std::variant<int64_t, KafkaError> first_record(const std::string& topic, int32_t partition,
                                                 int64_t from, int64_t to,
                                                 std::chrono::milliseconds timeout);

 private:
  std::string cluster_;
  const std::atomic<bool>* stop_;
  HandlePtr consumer_;
};

}  // namespace duplex::kafka
