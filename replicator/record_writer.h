#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "kafka/handles.h"

namespace duplex::replicator {

// One record for the target, by reference to the caller's bytes (they are copied).
struct OutgoingCopy {
  int32_t partition = 0;
  const void* key = nullptr;
  size_t key_len = 0;
  const void* value = nullptr;
  size_t value_len = 0;
  int64_t timestamp = 0;
  void* token = nullptr;  // handed back with the delivery report
};

// The target's answer for one written record.
struct Delivery {
  void* token = nullptr;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  int64_t offset = -1;  // where the target wrote it
};

class DeliveryHandler {
 public:
  virtual ~DeliveryHandler() = default;
  virtual void on_delivery(const Delivery& delivery) = 0;
  // The writer can write no more (a fatal producer error).
  virtual void on_fatal(const std::string& reason) = 0;
};

// An idempotent producer on the target cluster, as the at-least-once sink uses it. Delivery
// reports reach the handler only from within poll(), flush() and a write() that waits on a
// full queue, on the caller's thread.
class RecordWriter {
 public:
  using TopicRef = uint32_t;

  virtual ~RecordWriter() = default;
  virtual void set_handler(DeliveryHandler* handler) = 0;
  // A reference to write to `topic` by, without a lookup per record.
  virtual TopicRef topic(const std::string& name) = 0;
  // Queues the record, with `headers` when not null (handed over on success only). A full
  // queue is served and retried until the writer is told to give up (stopping): then
  // RD_KAFKA_RESP_ERR__QUEUE_FULL. Any other error is returned at once.
  virtual rd_kafka_resp_err_t write(TopicRef topic, const OutgoingCopy& copy,
                                    kafka::HeadersPtr& headers) = 0;
  // Serves delivery reports, waiting up to `wait` for the first.
  virtual void poll(std::chrono::milliseconds wait) = 0;
  // Waits until every queued record is answered; false when `timeout` passed first.
  virtual bool flush(std::chrono::milliseconds timeout) = 0;
  virtual size_t queued() const = 0;
};

}  // namespace duplex::replicator
