#pragma once

#include <cstdint>
#include <deque>
#include <optional>

namespace duplex::replicator {

// What has been copied of one source partition, in offset order.
//
// Invariant: next_commit() is the offset after the longest prefix of consumed records that are
// all settled (acknowledged by the target, or deliberately skipped). Committing it on the source
// can never lose a record: everything before it is in the target or was meant to be dropped.
class PartitionProgress {
 public:
  // A record handed to the producer; it settles when the target acknowledges it. `timestamp`
  // is the source record's, kept for the latency measured at acknowledgement.
  void add_pending(int64_t offset, int64_t timestamp = 0) { push(offset, false, timestamp); }
  // A record that needs no write (e.g. a loop): settled at once.
  void add_settled(int64_t offset) { push(offset, true, 0); }
  // The target acknowledged `offset`: returns the record's source timestamp, or nullopt when
  // the offset is not pending here (a stale report).
  std::optional<int64_t> settle(int64_t offset);

  // Offset to commit on the source; nullopt until something has settled.
  std::optional<int64_t> next_commit() const { return next_commit_; }
  size_t pending() const { return entries_.size(); }

 private:
  struct Entry {
    int64_t offset;
    int64_t timestamp;
    bool settled;
  };
  void push(int64_t offset, bool settled, int64_t timestamp);
  void pop_settled_prefix();

  std::deque<Entry> entries_;  // strictly increasing offsets; front is never settled
  std::optional<int64_t> next_commit_;
};

}  // namespace duplex::replicator
