#include "kafka/group_admin.h"

namespace duplex::kafka {
namespace {

PartitionListPtr to_list(const GroupOffsets& offsets) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = offset;
  }
  return list;
}

}  // namespace

Result<std::vector<std::string>> GroupAdmin::list_groups(std::chrono::milliseconds timeout) const {
  const std::string what = "listing consumer groups";
  QueuePtr queue(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout);
  rd_kafka_ListConsumerGroups(rk_, opts.get(), queue.get());
  auto event = await_admin(queue.get(), timeout, cluster_, what, stop_);
  if (auto* e = std::get_if<KafkaError>(&event)) return *e;
  const auto* result = rd_kafka_event_ListConsumerGroups_result(std::get<EventPtr>(event).get());
  size_t error_count = 0;
  const auto** errors = rd_kafka_ListConsumerGroups_result_errors(result, &error_count);
  if (error_count > 0) {
    return KafkaError(rd_kafka_error_code(errors[0]), "cluster " + cluster_ + ": " + what + ": " +
                                                          rd_kafka_error_string(errors[0]));
  }
  size_t count = 0;
  const auto** listings = rd_kafka_ListConsumerGroups_result_valid(result, &count);
  std::vector<std::string> groups;
  for (size_t i = 0; i < count; ++i) {
    groups.emplace_back(rd_kafka_ConsumerGroupListing_group_id(listings[i]));
  }
  return groups;
}

HandlePtr GroupAdmin::group_consumer(const std::string& group) const {
  return make_client(cluster_, RD_KAFKA_CONSUMER,
                     make_conf(cluster_, props_,
                               {{"group.id", group},
                                {"enable.auto.commit", "false"},
                                {"client.id", "duplex-group-admin"}}));
}

Result<GroupOffsets> GroupAdmin::committed(const std::string& group,
                                           const std::map<std::string, int>& topics,
                                           std::chrono::milliseconds timeout) const {
  GroupOffsets offsets;
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& [topic, partitions] : topics) {
    for (int p = 0; p < partitions; ++p)
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
  }
  if (list->cnt == 0) return offsets;
  auto consumer = group_consumer(group);
  if (auto err =
          rd_kafka_committed(consumer.get(), list.get(), static_cast<int>(timeout.count()))) {
    return KafkaError::from(
        err, "cluster " + cluster_ + ": reading committed offsets of group " + group);
  }
  for (int i = 0; i < list->cnt; ++i) {
    const auto& p = list->elems[i];
    if (p.err == RD_KAFKA_RESP_ERR_NO_ERROR && p.offset >= 0) {
      offsets[{p.topic, p.partition}] = p.offset;
    }
  }
  return offsets;
}

Result<int> GroupAdmin::members(const std::string& group, std::chrono::milliseconds timeout) const {
  const struct rd_kafka_group_list* raw = nullptr;
  auto err = rd_kafka_list_groups(rk_, group.c_str(), &raw, static_cast<int>(timeout.count()));
  if (err) return KafkaError::from(err, "cluster " + cluster_ + ": describing group " + group);
  int members = 0;
  for (int i = 0; i < raw->group_cnt; ++i) {
    if (raw->groups[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) members += raw->groups[i].member_cnt;
  }
  rd_kafka_group_list_destroy(raw);
  return members;
}

KafkaError GroupAdmin::alter(const std::string& group, const GroupOffsets& offsets,
                             std::chrono::milliseconds) const {
  auto list = to_list(offsets);
  auto consumer = group_consumer(group);
  // Not a member: the broker takes the commit only while the group has no members.
  if (auto err = rd_kafka_commit(consumer.get(), list.get(), 0)) {
    return KafkaError::from(
        err, "cluster " + cluster_ + ": writing committed offsets of group " + group);
  }
  for (int i = 0; i < list->cnt; ++i) {
    if (auto err = list->elems[i].err) {
      return KafkaError::from(err, "cluster " + cluster_ + ": writing committed offsets of group " +
                                       group + " on " + list->elems[i].topic);
    }
  }
  return {};
}

}  // namespace duplex::kafka
