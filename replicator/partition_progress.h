#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "replicator/inflight_budget.h"

namespace duplex::replicator {

// What has been copied of one source partition, in offset order.
//
// Invariant: next_commit() is the offset after the longest prefix of consumed records that are
// all settled (acknowledged by the target, or deliberately skipped). Committing it on the source
// can never lose a record: everything before it is in the target or was meant to be dropped.
class PartitionProgress {
 public:
  // A record handed to the producer; it settles when the target acknowledges it. `timestamp`
  // is the source record's, kept for the latency measured at acknowledgement; `units` are its
  // share of the in-flight budget, given back when it settles.
  void add_pending(int64_t offset, int64_t timestamp = 0, InflightBudget::Units units = {}) {
    push(offset, false, timestamp, std::move(units));
  }
  // A record that needs no write (e.g. a loop): settled at once.
  void add_settled(int64_t offset) { push(offset, true, 0, {}); }

  struct Settled {
    int64_t timestamp;  // the source record's
    size_t bytes;       // its key and value
  };
  // The target acknowledged `offset`, writing it at `target_offset`. nullopt when the offset
  // is not pending here (a stale report).
  std::optional<Settled> settle(int64_t offset, int64_t target_offset = -1);

  // A copy that joined the settled prefix: where it was written on the target.
  struct Copy {
    int64_t offset;
    int64_t target_offset;
    int64_t timestamp;
  };
  // Copies that joined the settled prefix since the last call, in source-offset order.
  std::vector<Copy> take_settled_copies() { return std::exchange(settled_copies_, {}); }

  // Offset to commit on the source; nullopt until something has settled.
  std::optional<int64_t> next_commit() const { return next_commit_; }
  size_t pending() const { return entries_.size(); }

 private:
  struct Entry {
    int64_t offset;
    int64_t timestamp;
    bool settled;
    InflightBudget::Units units;
    int64_t target_offset = -1;  // -1: not written (skipped)
  };
  void push(int64_t offset, bool settled, int64_t timestamp, InflightBudget::Units units);
  void pop_settled_prefix();

  std::deque<Entry> entries_;  // strictly increasing offsets; front is never settled
  std::optional<int64_t> next_commit_;
  std::vector<Copy> settled_copies_;
};

}  // namespace duplex::replicator
