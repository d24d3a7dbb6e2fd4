#pragma once

#include <atomic>
#include <string>

#include "kafka/handles.h"
#include "kafka/kafka_error.h"

namespace duplex::demo {

// One region's writer of orders, with one idempotent producer for the whole demo. Order i is
// "<region>-order-<i>", keyed by one of 50 customers, on partition i % partitions, stamped
// with the time it was written.
class OrderWriter {
 public:
  OrderWriter(const std::string& region, const std::string& bootstrap, std::string topic,
              int partitions, const std::atomic<bool>& stop);
  // The producer's delivery reports point at this object.
  OrderWriter(const OrderWriter&) = delete;
  OrderWriter& operator=(const OrderWriter&) = delete;

  // Writes orders [first, first + count) and waits (at most 30 s) until the cluster has
  // acknowledged each; otherwise the error names the first failure. A full queue gives up
  // when `stop` is set.
  kafka::KafkaError write(int first, int count);

 private:
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);

  std::string region_;
  std::string topic_;
  int partitions_;
  const std::atomic<bool>& stop_;
  kafka::HandlePtr producer_;
  std::string delivery_error_;  // the first failed delivery's, since the last write()
};

}  // namespace duplex::demo
