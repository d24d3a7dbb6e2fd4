#pragma once

#include <chrono>
#include <map>
#include <string>
#include <variant>

#include "kafka/handles.h"
#include "kafka/kafka_error.h"

namespace duplex::kafka {

template <class T>
using Result = std::variant<T, KafkaError>;

// Topic-level reads and writes on one cluster, over an existing client handle (not owned).
// Metadata works everywhere; describe/create need a real broker (the mock cluster lacks them).
class TopicAdmin {
 public:
  TopicAdmin(rd_kafka_t* client, std::string cluster) : rk_(client), cluster_(std::move(cluster)) {}

  // Every topic on the cluster with its partition count.
  Result<std::map<std::string, int>> list_topics(std::chrono::milliseconds timeout) const;

  // The topic's configs that were set for it (not broker defaults), secrets left out.
  Result<std::map<std::string, std::string>> topic_configs(const std::string& topic,
                                                           std::chrono::milliseconds timeout) const;

  // Creates a topic with the broker's default replication factor. An existing topic is fine.
  KafkaError create_topic(const std::string& topic, int partitions,
                          const std::map<std::string, std::string>& configs,
                          std::chrono::milliseconds timeout) const;

  // Grows the topic to `total` partitions.
  KafkaError create_partitions(const std::string& topic, int total,
                               std::chrono::milliseconds timeout) const;

 private:
  // Waits for the admin result event of one request on `queue`.
  Result<EventPtr> await(rd_kafka_queue_t* queue, std::chrono::milliseconds timeout,
                         const std::string& what) const;
  AdminOptionsPtr options(rd_kafka_admin_op_t op, std::chrono::milliseconds timeout) const;

  rd_kafka_t* rk_;
  std::string cluster_;
};

}  // namespace duplex::kafka
