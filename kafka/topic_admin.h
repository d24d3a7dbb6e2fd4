#pragma once

#include <chrono>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "kafka/admin_request.h"
#include "kafka/handles.h"
#include "kafka/kafka_error.h"

namespace duplex::kafka {

// Topic-level reads and writes on one cluster, over an existing client handle (not owned).
// Metadata works everywhere; describe/create need a real broker (the mock cluster lacks them).
class TopicAdmin {
 public:
  TopicAdmin(rd_kafka_t* client, std::string cluster) : rk_(client), cluster_(std::move(cluster)) {}

  const std::string& cluster() const { return cluster_; }
  rd_kafka_t* handle() const { return rk_; }

  // Every topic on the cluster with its partition count.
  Result<std::map<std::string, int>> list_topics(std::chrono::milliseconds timeout) const;

  // The topic's configs that were set for it (not broker defaults), secrets left out.
  Result<std::map<std::string, std::string>> topic_configs(const std::string& topic,
                                                           std::chrono::milliseconds timeout) const;
  // The same for each of `topics`, in one request; a topic the answer refuses (e.g. not
  // authorized, deleted meanwhile) is left out.
  Result<std::map<std::string, std::map<std::string, std::string>>> topics_configs(
      const std::vector<std::string>& topics, std::chrono::milliseconds timeout) const;
  // Replaces the topic's configs with exactly `configs` (AlterConfigs: librdkafka 2.0.2 has
  // no incremental form): a config left out goes back to the broker's default.
  KafkaError set_topic_configs(const std::string& topic,
                               const std::map<std::string, std::string>& configs,
                               std::chrono::milliseconds timeout) const;

  // Each topic's effective max.message.bytes (its own, or the broker's default), in one
  // request; a topic the answer leaves out (e.g. not authorized) is left out here too.
  Result<std::map<std::string, size_t>> max_message_bytes(const std::vector<std::string>& topics,
                                                          std::chrono::milliseconds timeout) const;

  // Creates a topic with the broker's default replication factor. An existing topic is fine.
  KafkaError create_topic(const std::string& topic, int partitions,
                          const std::map<std::string, std::string>& configs,
                          std::chrono::milliseconds timeout) const;

  // Creates the topic unless it exists (it is left as it is then): for duplex's own topics.
  // Checks the listing first, so an existing topic needs no Admin API (the mock cluster).
  KafkaError ensure_topic(const std::string& topic, int partitions,
                          const std::map<std::string, std::string>& configs,
                          std::chrono::milliseconds timeout) const;

  // Deletes the topic; a missing topic is fine.
  KafkaError delete_topic(const std::string& topic, std::chrono::milliseconds timeout) const;

  // Grows the topic to `total` partitions.
  KafkaError create_partitions(const std::string& topic, int total,
                               std::chrono::milliseconds timeout) const;

 private:
  rd_kafka_t* rk_;
  std::string cluster_;
};

}  // namespace duplex::kafka
