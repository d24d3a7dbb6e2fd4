#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "replicator/source.h"

namespace duplex::replicator {

// The source topics a flow copies now: each is mirrored on the target and the flow's internal
// topics exist, so copying can start.
struct TopicPlan {
  std::map<std::string, std::string> targets;    // source topic -> target topic
  std::map<std::string, int> target_partitions;  // target topic -> its partition count
  // Target topic (duplex.dlq included) -> its max.message.bytes, where the target said.
  std::map<std::string, size_t> max_message_bytes;

  // The source partition's topic is planned and its target has the same partition.
  bool has_target_partition(const TopicPartition& source) const {
    auto target = targets.find(source.topic);
    if (target == targets.end()) return false;
    auto count = target_partitions.find(target->second);
    return count != target_partitions.end() && count->second > source.partition;
  }
};

// Where the copy loop learns the plan: TopicWatcher, which asks both clusters on a thread of
// its own, or a fake in tests.
class TopicFeed {
 public:
  virtual ~TopicFeed() = default;
  // A plan newer than the one taken last; nullopt when there is none.
  virtual std::optional<TopicPlan> take_plan() = 0;
  // Look again soon, not only at the next interval (a target partition is missing).
  virtual void request_refresh() = 0;
  // Why the flow cannot go on: a cluster refused a permission it cannot copy without (on its
  // own topics); nullopt while none was refused.
  virtual std::optional<std::string> refused() { return std::nullopt; }
};

// Where the copy loop publishes how far each partition got, for the lag gauges.
struct LagSample {
  TopicPartition partition;
  std::optional<int64_t> next;  // the next offset to copy; nullopt: nothing taken yet
};

class LagBoard {
 public:
  virtual ~LagBoard() = default;
  // Every assigned partition; `paused`: the source fetches nothing, so its cached watermarks
  // are stale.
  virtual void publish(std::vector<LagSample> samples, bool paused) = 0;
};

}  // namespace duplex::replicator
