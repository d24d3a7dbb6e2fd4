#include "kafka/group_admin.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace duplex::kafka {
namespace {

// Runs work(i) for every i < count on up to `parallel` threads; the first error stops the
// work not yet started and is returned. An exception (a client that cannot be made) is thrown
// again on the caller's thread, as it would have been without the threads.
KafkaError for_each_parallel(size_t count, size_t parallel,
                             const std::function<KafkaError(size_t)>& work) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;  // guards the first failure
  KafkaError first;
  std::exception_ptr thrown;
  auto worker = [&] {
    for (size_t i = next++; i < count && !failed.load(); i = next++) {
      try {
        if (auto err = work(i)) {
          std::lock_guard lock(mutex);
          if (!failed.exchange(true)) first = err;
        }
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failed.exchange(true)) thrown = std::current_exception();
      }
    }
  };
  std::vector<std::thread> threads;
  const size_t n = std::clamp<size_t>(parallel, 1, std::max<size_t>(count, 1));
  for (size_t t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (thrown) std::rethrow_exception(thrown);
  return first;
}

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

Result<std::map<std::string, GroupOffsets>> GroupAdmin::committed(
    const std::vector<std::string>& groups, const std::map<std::string, int>& topics,
    std::chrono::milliseconds timeout, size_t parallel) const {
  std::vector<GroupOffsets> read(groups.size());
  auto err = for_each_parallel(groups.size(), parallel, [&](size_t i) -> KafkaError {
    if (stop_ && stop_->load()) {  // a stop waits for the reads under way, not the rest
      return KafkaError(RD_KAFKA_RESP_ERR__DESTROY,
                        "cluster " + cluster_ + ": reading committed offsets: stopping");
    }
    auto offsets = committed(groups[i], topics, timeout);
    if (auto* e = std::get_if<KafkaError>(&offsets)) return *e;
    read[i] = std::move(std::get<GroupOffsets>(offsets));
    return {};
  });
  if (err) return err;
  std::map<std::string, GroupOffsets> by_group;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (!read[i].empty()) by_group[groups[i]] = std::move(read[i]);
  }
  return by_group;
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

Result<std::map<std::string, int>> GroupAdmin::all_members(
    std::chrono::milliseconds timeout) const {
  const struct rd_kafka_group_list* raw = nullptr;
  auto err = rd_kafka_list_groups(rk_, nullptr, &raw, static_cast<int>(timeout.count()));
  if (err) return KafkaError::from(err, "cluster " + cluster_ + ": listing consumer groups");
  std::map<std::string, int> members;
  for (int i = 0; i < raw->group_cnt; ++i) {
    if (raw->groups[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      members[raw->groups[i].group] += raw->groups[i].member_cnt;
    }
  }
  rd_kafka_group_list_destroy(raw);
  return members;
}

KafkaError GroupAdmin::alter(const std::map<std::string, GroupOffsets>& offsets,
                             std::chrono::milliseconds timeout, size_t parallel) const {
  std::vector<std::map<std::string, GroupOffsets>::const_iterator> groups;
  for (auto it = offsets.begin(); it != offsets.end(); ++it) groups.push_back(it);
  return for_each_parallel(groups.size(), parallel, [&](size_t i) {
    return alter(groups[i]->first, groups[i]->second, timeout);
  });
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
