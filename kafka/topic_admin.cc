#include "kafka/topic_admin.h"

#include <cstdlib>
#include <string_view>

namespace duplex::kafka {

namespace {

// The first failed topic of an admin result, named with the cluster and the operation.
KafkaError first_topic_error(const rd_kafka_topic_result_t** results, size_t count,
                             const std::string& context, rd_kafka_resp_err_t acceptable) {
  for (size_t i = 0; i < count; ++i) {
    auto code = rd_kafka_topic_result_error(results[i]);
    if (code && code != acceptable) {
      const char* text = rd_kafka_topic_result_error_string(results[i]);
      return KafkaError(code, context + ": " + (text ? text : rd_kafka_err2str(code)));
    }
  }
  return {};
}

// DescribeConfigs of `topics` in one request: the answered event, whose result lists them.
Result<EventPtr> describe_configs(rd_kafka_t* rk, const std::vector<std::string>& topics,
                                  std::chrono::milliseconds timeout, const std::string& cluster,
                                  const std::string& what) {
  QueuePtr queue(rd_kafka_queue_new(rk));
  std::vector<rd_kafka_ConfigResource_t*> resources;
  for (const auto& topic : topics) {
    resources.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  }
  auto opts = admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout);
  rd_kafka_DescribeConfigs(rk, resources.data(), resources.size(), opts.get(), queue.get());
  for (auto* resource : resources) rd_kafka_ConfigResource_destroy(resource);
  return await_admin(queue.get(), timeout, cluster, what);
}

const rd_kafka_ConfigResource_t** described(const EventPtr& event, size_t* count) {
  return rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event.get()), count);
}

// The configs set for the topic itself (not broker defaults), secrets left out.
std::map<std::string, std::string> set_configs(const rd_kafka_ConfigResource_t* resource) {
  size_t entry_count = 0;
  const auto** entries = rd_kafka_ConfigResource_configs(resource, &entry_count);
  std::map<std::string, std::string> configs;
  for (size_t i = 0; i < entry_count; ++i) {
    const auto* entry = entries[i];
    if (rd_kafka_ConfigEntry_source(entry) != RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG ||
        rd_kafka_ConfigEntry_is_sensitive(entry) || rd_kafka_ConfigEntry_value(entry) == nullptr) {
      continue;
    }
    configs[rd_kafka_ConfigEntry_name(entry)] = rd_kafka_ConfigEntry_value(entry);
  }
  return configs;
}

}  // namespace

Result<std::map<std::string, int>> TopicAdmin::list_topics(
    std::chrono::milliseconds timeout) const {
  const rd_kafka_metadata_t* raw = nullptr;
  auto err = rd_kafka_metadata(rk_, 1, nullptr, &raw, static_cast<int>(timeout.count()));
  if (err) return KafkaError::from(err, "cluster " + cluster_ + ": listing topics");
  MetadataPtr metadata(raw);
  std::map<std::string, int> topics;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const auto& t = metadata->topics[i];
    if (t.err == RD_KAFKA_RESP_ERR_NO_ERROR) topics[t.topic] = t.partition_cnt;
  }
  return topics;
}

Result<std::map<std::string, std::string>> TopicAdmin::topic_configs(
    const std::string& topic, std::chrono::milliseconds timeout) const {
  const std::string what = "describing configs of topic " + topic;
  auto event = describe_configs(rk_, {topic}, timeout, cluster_, what);
  if (auto* e = std::get_if<KafkaError>(&event)) return *e;
  size_t count = 0;
  const auto** resources = described(std::get<EventPtr>(event), &count);
  if (count != 1) return KafkaError(RD_KAFKA_RESP_ERR__BAD_MSG, what + ": unexpected answer");
  if (auto err = rd_kafka_ConfigResource_error(resources[0])) {
    return KafkaError(err, "cluster " + cluster_ + ": " + what + ": " +
                               rd_kafka_ConfigResource_error_string(resources[0]));
  }
  return set_configs(resources[0]);
}

Result<std::map<std::string, std::map<std::string, std::string>>> TopicAdmin::topics_configs(
    const std::vector<std::string>& topics, std::chrono::milliseconds timeout) const {
  std::map<std::string, std::map<std::string, std::string>> out;
  if (topics.empty()) return out;
  const std::string what = "describing configs of " + std::to_string(topics.size()) + " topics";
  auto event = describe_configs(rk_, topics, timeout, cluster_, what);
  if (auto* e = std::get_if<KafkaError>(&event)) return *e;
  size_t count = 0;
  const auto** resources = described(std::get<EventPtr>(event), &count);
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_ConfigResource_error(resources[i])) continue;
    out[rd_kafka_ConfigResource_name(resources[i])] = set_configs(resources[i]);
  }
  return out;
}

KafkaError TopicAdmin::set_topic_configs(const std::string& topic,
                                         const std::map<std::string, std::string>& configs,
                                         std::chrono::milliseconds timeout) const {
  const std::string what = "setting configs of topic " + topic;
  QueuePtr queue(rd_kafka_queue_new(rk_));
  rd_kafka_ConfigResource_t* resource =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  for (const auto& [name, value] : configs) {
    rd_kafka_ConfigResource_set_config(resource, name.c_str(), value.c_str());
  }
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, timeout);
  rd_kafka_AlterConfigs(rk_, &resource, 1, opts.get(), queue.get());
  rd_kafka_ConfigResource_destroy(resource);
  auto event = await_admin(queue.get(), timeout, cluster_, what);
  if (auto* e = std::get_if<KafkaError>(&event)) return *e;
  const auto* result = rd_kafka_event_AlterConfigs_result(std::get<EventPtr>(event).get());
  size_t count = 0;
  const auto** altered = rd_kafka_AlterConfigs_result_resources(result, &count);
  if (count != 1) return KafkaError(RD_KAFKA_RESP_ERR__BAD_MSG, what + ": unexpected answer");
  if (auto err = rd_kafka_ConfigResource_error(altered[0])) {
    return KafkaError(err, "cluster " + cluster_ + ": " + what + ": " +
                               rd_kafka_ConfigResource_error_string(altered[0]));
  }
  return {};
}

Result<std::map<std::string, size_t>> TopicAdmin::max_message_bytes(
    const std::vector<std::string>& topics, std::chrono::milliseconds timeout) const {
  const std::string what =
      "describing max.message.bytes of " + std::to_string(topics.size()) + " topics";
  if (topics.empty()) return std::map<std::string, size_t>{};
  auto event = describe_configs(rk_, topics, timeout, cluster_, what);
  if (auto* e = std::get_if<KafkaError>(&event)) return *e;
  size_t count = 0;
  const auto** resources = described(std::get<EventPtr>(event), &count);
  std::map<std::string, size_t> limits;
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_ConfigResource_error(resources[i])) continue;
    size_t entry_count = 0;
    const auto** entries = rd_kafka_ConfigResource_configs(resources[i], &entry_count);
    for (size_t j = 0; j < entry_count; ++j) {
      const char* value = rd_kafka_ConfigEntry_value(entries[j]);
      if (value && std::string_view(rd_kafka_ConfigEntry_name(entries[j])) == "max.message.bytes") {
        char* end = nullptr;
        const unsigned long long bytes = std::strtoull(value, &end, 10);
        if (end != value && *end == '\0')
          limits[rd_kafka_ConfigResource_name(resources[i])] = bytes;
      }
    }
  }
  return limits;
}

KafkaError TopicAdmin::create_topic(const std::string& topic, int partitions,
                                    const std::map<std::string, std::string>& configs,
                                    std::chrono::milliseconds timeout) const {
  const std::string what = "creating topic " + topic;
  char err[512];
  rd_kafka_NewTopic_t* new_topic =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, err, sizeof err);
  if (new_topic == nullptr) {
    return KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG,
                      "cluster " + cluster_ + ": " + what + ": " + err);
  }
  for (const auto& [key, value] : configs) {
    rd_kafka_NewTopic_set_config(new_topic, key.c_str(), value.c_str());
  }
  QueuePtr queue(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout);
  rd_kafka_CreateTopics(rk_, &new_topic, 1, opts.get(), queue.get());
  rd_kafka_NewTopic_destroy(new_topic);
  auto event = await_admin(queue.get(), timeout, cluster_, what);
  if (auto* e = std::get_if<KafkaError>(&event)) return *e;
  size_t count = 0;
  const auto** results = rd_kafka_CreateTopics_result_topics(
      rd_kafka_event_CreateTopics_result(std::get<EventPtr>(event).get()), &count);
  // Another sidecar may have created it first: that is success.
  return first_topic_error(results, count, "cluster " + cluster_ + ": " + what,
                           RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS);
}

KafkaError TopicAdmin::ensure_topic(const std::string& topic, int partitions,
                                    const std::map<std::string, std::string>& configs,
                                    std::chrono::milliseconds timeout) const {
  auto topics = list_topics(timeout);
  if (auto* e = std::get_if<KafkaError>(&topics)) return *e;
  if (std::get<0>(topics).count(topic)) return {};
  return create_topic(topic, partitions, configs, timeout);
}

KafkaError TopicAdmin::delete_topic(const std::string& topic,
                                    std::chrono::milliseconds timeout) const {
  const std::string what = "deleting topic " + topic;
  rd_kafka_DeleteTopic_t* doomed = rd_kafka_DeleteTopic_new(topic.c_str());
  QueuePtr queue(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout);
  rd_kafka_DeleteTopics(rk_, &doomed, 1, opts.get(), queue.get());
  rd_kafka_DeleteTopic_destroy(doomed);
  auto event = await_admin(queue.get(), timeout, cluster_, what);
  if (auto* e = std::get_if<KafkaError>(&event)) return *e;
  size_t count = 0;
  const auto** results = rd_kafka_DeleteTopics_result_topics(
      rd_kafka_event_DeleteTopics_result(std::get<EventPtr>(event).get()), &count);
  return first_topic_error(results, count, "cluster " + cluster_ + ": " + what,
                           RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
}

KafkaError TopicAdmin::create_partitions(const std::string& topic, int total,
                                         std::chrono::milliseconds timeout) const {
  const std::string what =
      "growing topic " + topic + " to " + std::to_string(total) + " partitions";
  char err[512];
  rd_kafka_NewPartitions_t* request =
      rd_kafka_NewPartitions_new(topic.c_str(), static_cast<size_t>(total), err, sizeof err);
  if (request == nullptr) {
    return KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG,
                      "cluster " + cluster_ + ": " + what + ": " + err);
  }
  QueuePtr queue(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, timeout);
  rd_kafka_CreatePartitions(rk_, &request, 1, opts.get(), queue.get());
  rd_kafka_NewPartitions_destroy(request);
  auto event = await_admin(queue.get(), timeout, cluster_, what);
  if (auto* e = std::get_if<KafkaError>(&event)) return *e;
  size_t count = 0;
  const auto** results = rd_kafka_CreatePartitions_result_topics(
      rd_kafka_event_CreatePartitions_result(std::get<EventPtr>(event).get()), &count);
  return first_topic_error(results, count, "cluster " + cluster_ + ": " + what,
                           RD_KAFKA_RESP_ERR_NO_ERROR);
}

}  // namespace duplex::kafka
