#include "replicator/partition_progress.h"

#include <algorithm>

namespace duplex::replicator {

void PartitionProgress::push(int64_t offset, bool settled, int64_t timestamp) {
  entries_.push_back({offset, timestamp, settled});
  pop_settled_prefix();
}

std::optional<int64_t> PartitionProgress::settle(int64_t offset) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), offset,
                             [](const Entry& e, int64_t o) { return e.offset < o; });
  if (it == entries_.end() || it->offset != offset || it->settled) return std::nullopt;
  it->settled = true;
  int64_t timestamp = it->timestamp;
  pop_settled_prefix();
  return timestamp;
}

void PartitionProgress::pop_settled_prefix() {
  while (!entries_.empty() && entries_.front().settled) {
    next_commit_ = entries_.front().offset + 1;
    entries_.pop_front();
  }
}

}  // namespace duplex::replicator
