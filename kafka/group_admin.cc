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

// The group result's error, or the first partition's.
KafkaError group_error(const rd_kafka_group_result_t* result, const std::string& context) {
  if (const rd_kafka_error_t* error = rd_kafka_group_result_error(result)) {
    return KafkaError(rd_kafka_error_code(error), context + ": " + rd_kafka_error_string(error));
  }
  const auto* partitions = rd_kafka_group_result_partitions(result);
  for (int i = 0; partitions && i < partitions->cnt; ++i) {
    const auto& p = partitions->elems[i];
    if (p.err) {
      return KafkaError(p.err, context + ": " + p.topic + "[" + std::to_string(p.partition) +
                                   "]: " + rd_kafka_err2str(p.err));
    }
  }
  return {};
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

Result<GroupOffsets> GroupAdmin::committed(const std::string& group,
                                           std::chrono::milliseconds timeout) const {
  const std::string what = "reading committed offsets of group " + group;
  QueuePtr queue(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout);
  rd_kafka_ListConsumerGroupOffsets_t* request =
      rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
  rd_kafka_ListConsumerGroupOffsets(rk_, &request, 1, opts.get(), queue.get());
  rd_kafka_ListConsumerGroupOffsets_destroy(request);
  auto event = await_admin(queue.get(), timeout, cluster_, what, stop_);
  if (auto* e = std::get_if<KafkaError>(&event)) return *e;
  size_t count = 0;
  const auto** results = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(std::get<EventPtr>(event).get()), &count);
  if (count != 1) return KafkaError(RD_KAFKA_RESP_ERR__BAD_MSG, what + ": unexpected answer");
  if (auto err = group_error(results[0], "cluster " + cluster_ + ": " + what)) return err;
  GroupOffsets offsets;
  const auto* partitions = rd_kafka_group_result_partitions(results[0]);
  for (int i = 0; partitions && i < partitions->cnt; ++i) {
    const auto& p = partitions->elems[i];
    if (p.offset >= 0) offsets[{p.topic, p.partition}] = p.offset;
  }
  return offsets;
}

Result<int> GroupAdmin::members(const std::string& group, std::chrono::milliseconds timeout) const {
  const std::string what = "describing group " + group;
  QueuePtr queue(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout);
  const char* groups[] = {group.c_str()};
  rd_kafka_DescribeConsumerGroups(rk_, groups, 1, opts.get(), queue.get());
  auto event = await_admin(queue.get(), timeout, cluster_, what, stop_);
  if (auto* e = std::get_if<KafkaError>(&event)) return *e;
  size_t count = 0;
  const auto** descriptions = rd_kafka_DescribeConsumerGroups_result_groups(
      rd_kafka_event_DescribeConsumerGroups_result(std::get<EventPtr>(event).get()), &count);
  if (count != 1) return KafkaError(RD_KAFKA_RESP_ERR__BAD_MSG, what + ": unexpected answer");
  if (const auto* error = rd_kafka_ConsumerGroupDescription_error(descriptions[0])) {
    if (rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) return 0;
    return KafkaError(rd_kafka_error_code(error),
                      "cluster " + cluster_ + ": " + what + ": " + rd_kafka_error_string(error));
  }
  return static_cast<int>(rd_kafka_ConsumerGroupDescription_member_count(descriptions[0]));
}

KafkaError GroupAdmin::alter(const std::string& group, const GroupOffsets& offsets,
                             std::chrono::milliseconds timeout) const {
  const std::string what = "writing committed offsets of group " + group;
  QueuePtr queue(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout);
  auto list = to_list(offsets);
  rd_kafka_AlterConsumerGroupOffsets_t* request =
      rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
  rd_kafka_AlterConsumerGroupOffsets(rk_, &request, 1, opts.get(), queue.get());
  rd_kafka_AlterConsumerGroupOffsets_destroy(request);
  auto event = await_admin(queue.get(), timeout, cluster_, what, stop_);
  if (auto* e = std::get_if<KafkaError>(&event)) return *e;
  size_t count = 0;
  const auto** results = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(std::get<EventPtr>(event).get()), &count);
  if (count != 1) return KafkaError(RD_KAFKA_RESP_ERR__BAD_MSG, what + ": unexpected answer");
  return group_error(results[0], "cluster " + cluster_ + ": " + what);
}

}  // namespace duplex::kafka
