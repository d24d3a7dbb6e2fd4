#include "replicator/source.h"

namespace duplex::replicator {

std::string to_string(const TopicPartition& tp) {
  return tp.topic + "[" + std::to_string(tp.partition) + "]";
}

}  // namespace duplex::replicator
