#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "config/config.h"
#include "kafka/client_factory.h"
#include "kafka/handles.h"
#include "kafka/kafka_error.h"

namespace duplex::replicator {

// The librdkafka side of one exactly-once partition: its transactional producer and the rules
// for librdkafka's transaction errors.

// A transactional producer on the home cluster: the cluster's properties, its transaction
// timeout (the properties' transaction.timeout.ms, else `transaction.timeout`), and
// message.timeout.ms capped to it (no record may outlive its transaction). Delivery reports go
// to `on_delivery` with `opaque`. Throws when librdkafka rejects a property.
kafka::HandlePtr make_transactional_producer(
    const std::string& home, const kafka::Properties& home_props,
    const config::TransactionSettings& transaction, const std::string& transactional_id,
    const std::string& client_id,
    void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*, void*), void* opaque);

// InitProducerId, retried while retriable until `deadline` or `cancel`: bumps the id's epoch,
// which ends (commits or aborts) the previous owner's open transaction and fences it.
kafka::KafkaError fence_earlier_owners(rd_kafka_t* producer, const std::string& transactional_id,
                                       std::chrono::steady_clock::time_point deadline,
                                       const std::atomic<bool>& cancel);

// Another producer with the same transactional id has taken over.
bool is_fenced(rd_kafka_resp_err_t err);
// The target will never take the record, however often it is retried.
bool is_permanent(rd_kafka_resp_err_t err);
// "NAME: text" of a librdkafka error object.
std::string text_of(const rd_kafka_error_t* error);

}  // namespace duplex::replicator
