#include "replicator/partition_progress.h"

#include <algorithm>

namespace duplex::replicator {

void PartitionProgress::push(int64_t offset, bool settled, int64_t timestamp,
                             InflightBudget::Units units) {
  entries_.push_back({offset, timestamp, settled, std::move(units)});
  pop_settled_prefix();
}

std::optional<PartitionProgress::Settled> PartitionProgress::settle(int64_t offset,
                                                                    int64_t target_offset) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), offset,
                             [](const Entry& e, int64_t o) { return e.offset < o; });
  if (it == entries_.end() || it->offset != offset || it->settled) return std::nullopt;
  it->settled = true;
  it->target_offset = target_offset;
  Settled settled{it->timestamp, it->units.bytes()};
  it->units.release();  // acknowledged: librdkafka freed its copy
  pop_settled_prefix();
  return settled;
}

void PartitionProgress::pop_settled_prefix() {
  while (!entries_.empty() && entries_.front().settled) {
    const Entry& e = entries_.front();
    next_commit_ = e.offset + 1;
    if (e.target_offset >= 0) settled_copies_.push_back({e.offset, e.target_offset, e.timestamp});
    entries_.pop_front();
  }
}

}  // namespace duplex::replicator
