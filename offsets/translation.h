#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "offsets/offset_index.h"
#include "offsets/offset_records.h"

namespace duplex::offsets {

// Where a consumer group that committed `upstream` on the source continues on the target.
//
// The target partition holds two kinds of records: copies of source-origin records (written by
// this flow, described by `forward`) and records of the target's own origin (written on the
// target; the reverse flow, target -> source, copies them into the source, described by
// `reverse`). The group has consumed, on the source, every record below `upstream`: source
// records, and copies of target records. On the target it must not miss
//   - a copy of a source record at or after `upstream`: all are at or after copied_target;
//   - a target-origin record whose copy on the source is at or after `upstream`, or which was
//     never copied there: all are at or after local_target.
// So target = min(copied_target, local_target). With a passive standby or the rename mode
// there are no target-origin records, local_target >= copied_target, and the translation is
// exact. In active-active, records between target and the larger bound are re-read; they are
// counted on the target by failover (see failover.h).
//
// Target-origin records that the reverse flow passed without copying were never consumed
// either: repairs of last-writer-wins, and records its conflict stage on the source skipped as
// older than the source's version of their key. The group needs neither (a repair's winner it
// has read, or it is superseded; a skipped record is superseded), so they may lie below
// local_target; but they are no re-reads: `local_rereads` counts only the target-origin records
// in [target, local_target) whose copies on the source lie below `upstream`.
struct Translation {
  int64_t target = 0;
  int64_t copied_target = 0;
  int64_t local_target = 0;
  std::optional<int64_t> local_rereads;  // unknown without the reverse flow's runs
};

struct ReverseFlow {
  const OffsetIndex* runs = nullptr;  // the reverse flow's runs, keyed by target topic
  std::optional<int64_t> committed;   // its committed offset on the target partition
};

// `reverse.committed` must be read before `reverse.runs`, and the reverse flow must only
// commit offsets whose runs are written: then every target-origin record below it that was
// copied is in `reverse.runs`, and every other record below it is not target-origin.
Translation translate(const OffsetIndex& forward, const ReverseFlow& reverse,
                      const std::string& source_topic, const std::string& target_topic,
                      int32_t partition, int64_t upstream);

// translate() from the target cluster alone, which does not hold the reverse flow's runs: the
// first target offset that cannot skip a record. A group's checkpoints (`checkpoints`, of one
// group) of this partition at or before `upstream` bound local_target from below, since
// local_target only grows with the source offset.
Translation translate_on_target(const OffsetIndex& forward,
                                const std::vector<Checkpoint>& checkpoints,
                                const std::string& source_topic, const std::string& target_topic,
                                int32_t partition, int64_t upstream);

}  // namespace duplex::offsets
