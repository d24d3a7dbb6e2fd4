#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/config.h"
#include "kafka/kafka_error.h"
#include "offsets/offset_records.h"

namespace duplex::offsets {

// What `duplex failover` does to one partition of one group.
struct PartitionMove {
  Checkpoint checkpoint;
  int64_t rereads = 0;          // records at or after the target offset the group had consumed
                                // (copies of them, or the originals of their copies)
  double checkpoint_age_s = 0;  // now minus the checkpoint's time
  // On the source at the last contact, not copied: given up. Unknown when the checkpoint
  // could not read the source's end.
  std::optional<int64_t> unreplicated;
  // How much newer the source's data was than our newest copy; unknown with `unreplicated`,
  // or when nothing was copied yet.
  std::optional<double> rpo_s;
};

// The move for one checkpoint at wall-clock time `now_ms`, all but the re-reads (which need
// the target cluster).
PartitionMove plan_move(const Checkpoint& checkpoint, int64_t now_ms);

struct FailoverPlan {
  std::vector<PartitionMove> moves;  // by group, topic, partition
  std::vector<std::string> active;   // selected groups with members on the home cluster
  std::vector<std::string> unknown;  // requested groups without checkpoints
  size_t corrupt = 0;                // checkpoint records skipped
};

// Everything failover needs comes from the home cluster: the newest checkpoint per partition
// in duplex.checkpoints.<source>, the groups' members, and the records at the translated
// offsets (to count re-reads). The source may be gone.
class Failover {
 public:
  Failover(const config::Config& config, std::string source,
           std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // The newest checkpoint per (group, topic, partition); corrupt records are counted.
  kafka::KafkaError read_checkpoints();
  const std::map<std::string, Checkpoint>& checkpoints() const { return newest_; }
  size_t corrupt() const { return corrupt_; }

  // The plan for the named groups and those matching `group_regex`. `check_members` false
  // skips looking for active members (the mock cluster has no ListGroups): the caller knows.
  std::variant<FailoverPlan, kafka::KafkaError> plan(const std::vector<std::string>& groups,
                                                     const std::optional<std::string>& group_regex,
                                                     bool check_members = true);

  // Writes the plan's target offsets as the groups' committed offsets on the home cluster.
  kafka::KafkaError apply(const FailoverPlan& plan);

 private:
  // Per move, the records at or after the checkpoint's target the group consumed on the
  // source: copies below copied_target, read on the target, and the target-origin records the
  // checkpoint counted (local_rereads; a version 1 checkpoint: those below local_target, read
  // on the target). Repairs (duplex.repair) were never copied, so never consumed. Each target
  // partition is read once for all the moves on it.
  kafka::KafkaError count_rereads(std::vector<PartitionMove>& moves);

  config::Config config_;  // a copy: callers may pass a temporary
  std::string source_;
  std::chrono::milliseconds timeout_;
  std::map<std::string, Checkpoint> newest_;  // by checkpoint key
  size_t corrupt_ = 0;
};

}  // namespace duplex::offsets
