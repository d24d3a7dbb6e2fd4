#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "kafka/handles.h"

namespace duplex::kafka {

// One record to queue on a producer. The bytes are the caller's: librdkafka copies them
// (RD_KAFKA_MSG_F_COPY), so they need to live only for the call.
struct OutgoingRecord {
  rd_kafka_topic_t* topic_handle = nullptr;  // by handle (no lookup per record), or ...
  const char* topic = nullptr;               // ... by name
  int32_t partition = RD_KAFKA_PARTITION_UA;
  const void* key = nullptr;  // null: a null key
  size_t key_len = 0;
  const void* value = nullptr;  // null: a null value (a tombstone)
  size_t value_len = 0;
  int64_t timestamp = 0;   // 0: librdkafka stamps the current time
  void* opaque = nullptr;  // handed back in the delivery report
};

// Queues `record`, with `headers` when not null: librdkafka owns them once the call succeeded
// (the pointer is released then), the caller keeps them otherwise. While librdkafka's queue is
// full it serves the producer's delivery reports for 50 ms and tries again, until `give_up`
// (when given) is set: then it returns RD_KAFKA_RESP_ERR__QUEUE_FULL. Every other error is
// returned at once.
rd_kafka_resp_err_t produce(rd_kafka_t* producer, const OutgoingRecord& record, HeadersPtr& headers,
                            const std::atomic<bool>* give_up = nullptr);

// The same without headers.
rd_kafka_resp_err_t produce(rd_kafka_t* producer, const OutgoingRecord& record,
                            const std::atomic<bool>* give_up = nullptr);

}  // namespace duplex::kafka
