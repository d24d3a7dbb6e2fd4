#include "replicator/topic_mirror.h"

#include <spdlog/spdlog.h>

#include <set>

namespace duplex::replicator {

bool TopicMirror::is_cluster_local(const std::string& name) {
  static const std::set<std::string> local = {
      "min.insync.replicas",
      "unclean.leader.election.enable",
      "leader.replication.throttled.replicas",
      "follower.replication.throttled.replicas",
      "message.format.version",
      "message.downconversion.enable",
  };
  return local.count(name) > 0;
}

kafka::KafkaError TopicMirror::ensure(const std::string& source_topic, int partitions,
                                      const std::string& target_topic,
                                      const std::map<std::string, int>& target_topics) const {
  auto existing = target_topics.find(target_topic);
  if (existing == target_topics.end()) {
    auto configs = source_.topic_configs(source_topic, timeout_);
    if (auto* e = std::get_if<kafka::KafkaError>(&configs)) return *e;
    std::map<std::string, std::string> copied;
    for (const auto& [key, value] : std::get<0>(configs)) {
      if (!is_cluster_local(key)) copied[key] = value;
    }
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
