#pragma once

#include <librdkafka/rdkafka.h>

#include <optional>
#include <string>
#include <string_view>

namespace duplex::offsets {

// Longer duplex.origin values are malformed: region names are short.
inline constexpr size_t kMaxOriginBytes = 255;

// A duplex.origin value duplex could have written: 1 to kMaxOriginBytes bytes of UTF-8 without
// control characters. A malformed one (empty, not UTF-8, too long) was set by some producer, not
// by a copy: the record counts as written in the cluster it is read from, like one without.
bool well_formed_origin(std::string_view value);

// The region named by a consumed record's duplex.origin header (the last one, if several);
// nullopt when it has none or a malformed one: a record written in the cluster it was read from.
std::optional<std::string> origin_of(const rd_kafka_message_t& message);

// Whether a consumed record is a repair of last-writer-wins (kRepairHeader): written in its own
// region, never copied.
bool is_repair(const rd_kafka_message_t& message);

}  // namespace duplex::offsets
