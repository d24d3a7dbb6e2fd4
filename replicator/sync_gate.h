#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace duplex::replicator {

// Holds one partition's source commit back until the offset-sync runs that cover it are
// acknowledged by the target. Invariant: committable() never passes a copy whose run is not
// written — checkpoints rely on it to tell a target-origin record from a copy (translation.h).
class SyncGate {
 public:
  // At a commit tick: `next` is the settled prefix, and `runs_written` runs were produced to
  // cover the copies below it (0 when no run changed).
  void mark(int64_t next, size_t runs_written);
  // One run of this partition acknowledged; acknowledgements come in production order.
  void acknowledged();
  std::optional<int64_t> committable() const { return committable_; }
  // Every run produced so far is acknowledged.
  bool idle() const { return steps_.empty(); }

 private:
  struct Step {
    int64_t next;
    size_t remaining;
  };
  void pop_done();

  std::deque<Step> steps_;
  std::optional<int64_t> committable_;
};

}  // namespace duplex::replicator
