#pragma once

#include <cstdint>
#include <optional>

namespace duplex::replicator {

// What a partition's next record says about the records before it. Offsets may skip for good
// reasons (transaction markers, aborted records, compaction), so a skip alone proves nothing:
// only records below the source's log start are gone. The consumer reads on from the log start
// when its position fell below it (auto.offset.reset=earliest), so `expected` < log start is a
// gap, [expected, min(log start, offset)); its offsets are counted as records (a compacted
// topic may have held fewer). An offset below `expected` means the partition went back: the
// topic was deleted and created again (or its log truncated); how much of the old log was
// not copied is unknowable then.
struct SourceJump {
  enum class Kind { none, gap, went_back };
  Kind kind = Kind::none;
  int64_t from = 0;  // gap: first offset lost; went_back: the offset expected
  int64_t to = 0;    // gap: the offset after the last one lost; went_back: the record's

  int64_t lost() const { return kind == Kind::gap ? to - from : 0; }

  // `expected`: the offset after the last record read (or where the assignment starts), if
  // known; `log_start`: as the fetch that brought the record saw it, if known.
  static SourceJump judge(std::optional<int64_t> expected, int64_t offset,
                          std::optional<int64_t> log_start);
};

}  // namespace duplex::replicator
