#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kafka/admin_request.h"
#include "kafka/client_factory.h"
#include "kafka/handles.h"

namespace duplex::kafka {

// (topic, partition) -> committed offset
using GroupOffsets = std::map<std::pair<std::string, int32_t>, int64_t>;

// Consumer-group reads and writes on one cluster. Needs a real broker: the mock cluster lacks
// ListGroups. Offsets are read and written through a consumer of the group (OffsetFetch and
// OffsetCommit), never through librdkafka 2.0.2's coordinator Admin requests, which abort the
// process when a broker connection drops mid-request (librdkafka issues 3663 and 4605).
class GroupAdmin {
 public:
  GroupAdmin(rd_kafka_t* client, std::string cluster, Properties cluster_props,
             const std::atomic<bool>* stop = nullptr)
      : rk_(client), cluster_(std::move(cluster)), props_(std::move(cluster_props)), stop_(stop) {}

  // Every consumer group the cluster knows.
  Result<std::vector<std::string>> list_groups(std::chrono::milliseconds timeout) const;

  // The group's committed offsets on the partitions of `topics` (name -> partition count).
  Result<GroupOffsets> committed(const std::string& group, const std::map<std::string, int>& topics,
                                 std::chrono::milliseconds timeout) const;

  // The committed offsets of each of `groups` (those with none on `topics` are missing), read
  // `parallel` groups at a time: each read needs a consumer of its own group, so one request
  // cannot serve several groups, and one after the other they cost a connection each in turn.
  // The first error ends the reads.
  Result<std::map<std::string, GroupOffsets>> committed(const std::vector<std::string>& groups,
                                                        const std::map<std::string, int>& topics,
                                                        std::chrono::milliseconds timeout,
                                                        size_t parallel) const;

  // How many members the group has now (0 for an empty or unknown group).
  Result<int> members(const std::string& group, std::chrono::milliseconds timeout) const;

  // Every group of the cluster with its member count, in one listing (a group missing here
  // has no members).
  Result<std::map<std::string, int>> all_members(std::chrono::milliseconds timeout) const;

  // Sets the group's committed offsets; the broker refuses it for a group with members.
  KafkaError alter(const std::string& group, const GroupOffsets& offsets,
                   std::chrono::milliseconds timeout) const;
  // alter() for each group, `parallel` groups at a time; the first error ends the writes.
  KafkaError alter(const std::map<std::string, GroupOffsets>& offsets,
                   std::chrono::milliseconds timeout, size_t parallel) const;

 private:
  rd_kafka_t* rk_;
  HandlePtr group_consumer(const std::string& group) const;

  std::string cluster_;
  Properties props_;
  const std::atomic<bool>* stop_;
};

}  // namespace duplex::kafka
