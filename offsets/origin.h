#pragma once

#include <librdkafka/rdkafka.h>

#include <optional>
#include <string>

namespace duplex::offsets {

// The region named by a consumed record's duplex.origin header (the last one, if several);
// nullopt when it has none: a record written in the cluster it was read from.
std::optional<std::string> origin_of(const rd_kafka_message_t& message);

// Whether a consumed record is a repair of last-writer-wins (kRepairHeader): written in its own
// region, never copied.
bool is_repair(const rd_kafka_message_t& message);

}  // namespace duplex::offsets
