#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "kafka/kafka_error.h"

namespace duplex::demo {

// An order as a region's cluster holds it.
struct StoredOrder {
  std::string id;                     // "<region>-order-<i>"
  std::optional<std::string> origin;  // its duplex.origin header: none when written here
};

// Every order of `topic` in the region's cluster, from the beginning to the partitions' ends
// now (read_committed, without a consumer group).
std::variant<std::vector<StoredOrder>, kafka::KafkaError> read_orders(const std::string& region,
                                                                      const std::string& bootstrap,
                                                                      const std::string& topic);

}  // namespace duplex::demo
