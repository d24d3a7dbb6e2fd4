#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "offsets/offset_records.h"

namespace duplex::offsets {

// Turns the acknowledged copies of one source partition, fed in source-offset order, into
// offset-sync runs. A new run starts whenever the distance between source and target offsets
// changes (a loop skipped, a transaction marker or other writer on the target, a compaction
// gap); a closed run is reported once more in its final length, so every copy is covered by
// a run whose exact extent is known.
class RunBuilder {
 public:
  RunBuilder(std::string source_topic, std::string target_topic, int32_t partition)
      : source_topic_(std::move(source_topic)),
        target_topic_(std::move(target_topic)),
        partition_(partition) {}

  void add(int64_t source, int64_t target, int64_t timestamp);

  // The transaction that wrote the copies added so far committed (exactly-once): its commit
  // marker follows its last copy on the target. When the next copy lands just past that one
  // slot, the slot can only be the marker (the next transaction's records come after it), and
  // the new run says so (OffsetRun::after_marker).
  void transaction_committed();

  // Runs that changed since the last call: closed ones in their final length, then the open
  // one. Writing these covers every copy added so far.
  std::vector<OffsetRun> take_changed();

 private:
  std::string source_topic_;
  std::string target_topic_;
  int32_t partition_;
  std::optional<OffsetRun> open_;
  bool open_changed_ = false;
  bool marker_follows_ = false;    // the open run's last copy ends a committed transaction
  std::vector<OffsetRun> closed_;  // closed since the last take_changed()
};

}  // namespace duplex::offsets
