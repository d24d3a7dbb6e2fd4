#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "offsets/offset_records.h"

namespace duplex::offsets {

// The offset-sync runs of one flow, searchable both ways, per source topic and partition.
class OffsetIndex {
 public:
  // A newer version of a run (same source start) replaces the older.
  void add(const OffsetRun& run);

  // Target offset of the first copy of a source record at or after `source_offset`; the
  // target offset after the newest copy when nothing at or after it was copied yet; nullopt
  // when nothing of the partition was copied.
  std::optional<int64_t> to_target(const std::string& topic, int32_t partition,
                                   int64_t source_offset) const;

  // Source offset of the first copy written at or after `target_offset` on the target.
  std::optional<int64_t> first_copy_at_or_after_target(const std::string& topic, int32_t partition,
                                                       int64_t target_offset) const;

  // The run that copied `source_offset`, if it was copied.
  std::optional<OffsetRun> run_with(const std::string& topic, int32_t partition,
                                    int64_t source_offset) const;

  // How many source offsets in [from, to) some run copied (runs that overlap counted once).
  int64_t copied_in(const std::string& topic, int32_t partition, int64_t from, int64_t to) const;

  // The first target offset at or after `from` that holds no copy from this flow, nor one of
  // its transactions' commit markers, and is not known empty (add_empty).
  int64_t first_target_gap(const std::string& topic, int32_t partition, int64_t from) const;

  // Target offsets [from, to) were read and hold no record a read_committed consumer reads:
  // transaction markers, aborted records (an exactly-once flow's aborted transactions),
  // records compaction removed. Final once read below the last stable offset.
  void add_empty(const std::string& topic, int32_t partition, int64_t from, int64_t to);

  // Where on the target the first copy after `target_offset` begins, if any.
  std::optional<int64_t> next_copy_on_target(const std::string& topic, int32_t partition,
                                             int64_t target_offset) const;

  // The newest copy's run (highest source offset), if any.
  std::optional<OffsetRun> newest(const std::string& topic, int32_t partition) const;

  size_t runs() const;

 private:
  struct Partition {
    std::map<int64_t, OffsetRun> by_source;  // run start on the source -> run
    std::map<int64_t, int64_t> by_target;    // run start on the target -> run start on source
    int64_t longest = 0;                     // the largest count of a run added
    std::map<int64_t, int64_t> empty;        // target [from, to) known to hold no record
  };
  const Partition* find(const std::string& topic, int32_t partition) const;

  std::map<std::pair<std::string, int32_t>, Partition> partitions_;
};

}  // namespace duplex::offsets
