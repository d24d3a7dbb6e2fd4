#include "replicator/topic_mirror.h"

#include <spdlog/spdlog.h>

namespace duplex::replicator {

kafka::KafkaError TopicMirror::ensure(const std::string& source_topic, int partitions,
                                      const std::string& target_topic,
                                      const std::map<std::string, int>& target_topics) const {
  auto existing = target_topics.find(target_topic);
  if (existing == target_topics.end()) {
    auto configs = source_.topic_configs(source_topic, timeout_);
    if (auto* e = std::get_if<kafka::KafkaError>(&configs)) return *e;
    const auto copied = configs_.replicated_only(std::get<0>(configs));
    if (auto err = target_.create_topic(target_topic, partitions, copied, timeout_)) return err;
    spdlog::info("created target topic {} with {} partitions and {} configs copied from {}",
                 target_topic, partitions, copied.size(), source_topic);
    return {};
  }
  if (existing->second < partitions) {
    if (auto err = target_.create_partitions(target_topic, partitions, timeout_)) return err;
    spdlog::info("grew target topic {} from {} to {} partitions", target_topic, existing->second,
                 partitions);
  }
  return {};
}

}  // namespace duplex::replicator
