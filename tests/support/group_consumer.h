#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "kafka/group_admin.h"
#include "kafka/handles.h"
#include "tests/support/record_io.h"

namespace duplex::testing {

// A consumer in a named group, as an application runs one: subscribes, reads, and commits
// exactly what it has read. The "application" whose group the failover tests move.
class GroupConsumer {
 public:
  GroupConsumer(const std::string& bootstrap, const std::string& group, const std::string& topic);
  ~GroupConsumer();  // leaves the group
  GroupConsumer(const GroupConsumer&) = delete;
  GroupConsumer& operator=(const GroupConsumer&) = delete;

  // Reads until `count` records were read or nothing arrived for `idle` (after the first
  // record, or `timeout` in all), then commits the offset after each partition's last record.
  std::vector<Record> read(size_t count, std::chrono::milliseconds timeout,
                           std::chrono::milliseconds idle = std::chrono::seconds(5));

  // Polls for a while so that the group sees this member.
  void join(std::chrono::milliseconds time);

 private:
  std::string topic_;
  kafka::HandlePtr consumer_;
};

// Sets `group`'s committed offsets on the cluster at `bootstrap`, as an application's commit
// would (the group must have no members); throws std::runtime_error when it cannot.
void commit_offsets(const std::string& bootstrap, const std::string& group,
                    const kafka::GroupOffsets& offsets);

}  // namespace duplex::testing
