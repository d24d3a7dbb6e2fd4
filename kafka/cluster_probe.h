#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "kafka/client_factory.h"
#include "kafka/kafka_error.h"

namespace duplex::kafka {

// Asks a cluster for its metadata until it answers, `wait` passes or `stop` is set: a command
// that starts against a wrong host, port or name says so instead of retrying without a word.
// `wait` of milliseconds::max() waits forever (logging every 30 s). The error names the
// cluster, its bootstrap.servers and librdkafka's last word on why (refused, DNS, TLS, SASL).
KafkaError wait_for_cluster(const std::string& cluster, const Properties& properties,
                            std::chrono::milliseconds wait,
                            const std::atomic<bool>* stop = nullptr);

}  // namespace duplex::kafka
