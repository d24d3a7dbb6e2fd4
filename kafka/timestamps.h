#pragma once

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace duplex::kafka {

// The wall clock in milliseconds since the epoch: the unit of Kafka record timestamps, and of
// the times duplex writes into its own records (checkpoints, progress).
inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A steady-clock reading in milliseconds: for ages and deadlines kept in atomics.
inline int64_t steady_ms(
    std::chrono::steady_clock::time_point t = std::chrono::steady_clock::now()) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// A consumed message's timestamp (CreateTime, or LogAppendTime if the topic says so); 0: none.
inline int64_t message_timestamp(const rd_kafka_message_t* message) {
  rd_kafka_timestamp_type_t type;
  return std::max<int64_t>(0, rd_kafka_message_timestamp(message, &type));
}

}  // namespace duplex::kafka
