#pragma once

#include <chrono>
#include <map>
#include <string>

#include "kafka/topic_admin.h"
#include "replicator/topic_config_sync.h"

namespace duplex::replicator {

// Keeps a target topic in step with its source topic: creates it when missing, with the
// source's partition count and topic configs (those `configs` copies), and follows partition
// increases (p -> p needs at least as many partitions on the target).
class TopicMirror {
 public:
  TopicMirror(const kafka::TopicAdmin& source, const kafka::TopicAdmin& target,
              const TopicConfigSync& configs, std::chrono::milliseconds timeout)
      : source_(source), target_(target), configs_(configs), timeout_(timeout) {}

  // Makes the target topic exist with at least `partitions` partitions.
  // `target_topics` is the target's current topic -> partition count.
  kafka::KafkaError ensure(const std::string& source_topic, int partitions,
                           const std::string& target_topic,
                           const std::map<std::string, int>& target_topics) const;

 private:
  const kafka::TopicAdmin& source_;
  const kafka::TopicAdmin& target_;
  const TopicConfigSync& configs_;
  std::chrono::milliseconds timeout_;
};

}  // namespace duplex::replicator
