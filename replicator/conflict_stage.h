#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "config/config.h"
#include "conflict/index_readiness.h"
#include "conflict/key_index.h"
#include "conflict/region_ranks.h"
#include "replicator/conflict_audit.h"
#include "replicator/record_stage.h"

namespace duplex::replicator {

// Last-writer-wins in the copy path of one flow (docs/conflict-resolution.md): a copy of a key
// of a last-writer-wins topic is written only if its version is at least the newest one the
// home topic holds for that key.
//
//   record ─► [1 policy] ─► [2 ready?] ─► [3 version] ─► [4 newest] ─► [5 decide] ─► pass/skip
//
// 1. The target topic's policy, decided once per topic. A record without a key passes.
// 2. The home reader has read the target partition into the key index up to where it ended
//    when the reader started: until then the partition waits (never a decision from a
//    partial index).
// 3. The version: (timestamp, rank of the record's origin; the flow's source without one).
// 4. The newest version of (target topic, key): the key index's entry, or a copy this stage let
//    through that the reader has not observed yet, when that is newer. So two copies of a key
//    in a row are judged against each other, not both against the index.
// 5. decide_copy: a skip goes to the loop (counted as reason "conflict") and, with audit, to
//    duplex.conflicts; a copy let through becomes its key's unobserved newest.
//
// Unobserved copies are forgotten once the index holds their version (the oldest few are
// looked at per record); a partition with kMaxUnobserved of them waits until the reader has
// observed half, so memory stays bounded when the reader falls behind.
class ConflictStage : public RecordStage {
 public:
  static constexpr size_t kMaxUnobserved = 20000;  // per partition

  struct Parts {
    config::ConflictSettings settings;
    const conflict::RegionRanks& ranks;
    conflict::KeyIndex& index;
    conflict::IndexReadiness& readiness;
    ConflictAudit* audit = nullptr;  // null: no audit
  };
  // `source`: the flow's source region, the origin of a record without one.
  ConflictStage(Parts parts, std::string source);

  StageVerdict judge(const SourceRecord& record, const std::string& target_topic) override;
  StageVerdict ready(const std::string& target_topic, int32_t partition) override;

  // Copies let through and not yet seen in the index, over every partition.
  size_t unobserved() const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Partition {
    bool ready = false;  // the reader caught up once: it stays so
    bool full = false;   // reached kMaxUnobserved: waits until half of them were observed
    // Per key, the newest version let through and not yet in the index; `order` holds every
    // copy let through (key, version) in write order, for forgetting them oldest first.
    std::unordered_map<std::string, conflict::Version, Hash, std::equal_to<>> newest;
    std::deque<std::pair<std::string, conflict::Version>> order;
    // The index's write count when the oldest copy was last found unobserved: not asked
    // again before the index was written (saves two index reads per record).
    std::optional<uint64_t> unobserved_at;
  };
  struct Topic {
    std::string name;
    bool managed = false;
    std::map<int32_t, Partition> partitions;
  };

  Topic& topic(const std::string& name);
  StageVerdict check_ready(const Topic& topic, int32_t partition, Partition& p);
  // Forgets up to `n` of the oldest unobserved copies whose version the index holds now.
  conflict::IndexError forget_observed(const Topic& topic, Partition& p, size_t n);
  void audit(const Topic& topic, const SourceRecord& record, std::string_view key,
             std::string_view origin, conflict::Version version,
             const conflict::IndexEntry& winner);

  const config::ConflictSettings settings_;
  const conflict::RegionRanks& ranks_;
  conflict::KeyIndex& index_;
  conflict::IndexReadiness& readiness_;
  ConflictAudit* audit_;
  const std::string source_;
  std::map<std::string, Topic, std::less<>> topics_;
  Topic* last_ = nullptr;  // the topic of the last record: most records follow it
};

}  // namespace duplex::replicator
