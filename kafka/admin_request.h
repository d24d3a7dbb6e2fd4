#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <variant>

#include "kafka/handles.h"
#include "kafka/kafka_error.h"

namespace duplex::kafka {

template <class T>
using Result = std::variant<T, KafkaError>;

// Options for one Admin API request with both timeouts set.
AdminOptionsPtr admin_options(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                              std::chrono::milliseconds timeout);

// Waits for the result event of one Admin API request on `queue`; an error names the cluster
// and `what`. Gives up early when `stop` is set.
Result<EventPtr> await_admin(rd_kafka_queue_t* queue, std::chrono::milliseconds timeout,
                             const std::string& cluster, const std::string& what,
                             const std::atomic<bool>* stop = nullptr);

}  // namespace duplex::kafka
