#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kafka/admin_request.h"
#include "kafka/handles.h"

namespace duplex::kafka {

// (topic, partition) -> committed offset
using GroupOffsets = std::map<std::pair<std::string, int32_t>, int64_t>;

// Consumer-group reads and writes on one cluster, over an existing client handle (not owned).
// Needs a real broker: the mock cluster lacks ListGroups and DescribeGroups.
class GroupAdmin {
 public:
  GroupAdmin(rd_kafka_t* client, std::string cluster, const std::atomic<bool>* stop = nullptr)
      : rk_(client), cluster_(std::move(cluster)), stop_(stop) {}

  // Every consumer group the cluster knows.
  Result<std::vector<std::string>> list_groups(std::chrono::milliseconds timeout) const;

  // The group's committed offsets (empty for a group that never committed).
  Result<GroupOffsets> committed(const std::string& group, std::chrono::milliseconds timeout) const;

  // How many members the group has now (0 for an empty or unknown group).
  Result<int> members(const std::string& group, std::chrono::milliseconds timeout) const;

  // Sets the group's committed offsets; the broker refuses it for a group with members.
  KafkaError alter(const std::string& group, const GroupOffsets& offsets,
                   std::chrono::milliseconds timeout) const;

 private:
  rd_kafka_t* rk_;
  std::string cluster_;
  const std::atomic<bool>* stop_;
};

}  // namespace duplex::kafka
