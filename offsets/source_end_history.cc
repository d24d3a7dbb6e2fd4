#include "offsets/source_end_history.h"

namespace duplex::offsets {

void SourceEndHistory::add(const Partition& partition, int64_t read_at_ms, int64_t end) {
  if (end < 0) return;
  auto& rounds = rounds_[partition];
  rounds.push_back({read_at_ms, end});
  if (rounds.size() > kRoundsKept) rounds.pop_front();
}

int64_t SourceEndHistory::appended_after(const Partition& partition, int64_t offset) const {
  const auto it = rounds_.find(partition);
  if (it == rounds_.end()) return 0;
  // Newest first. An end that went down (a topic deleted and made again) proves nothing about
  // the records after it, so the search stops there.
  int64_t later_end = INT64_MAX;
  for (auto round = it->second.rbegin(); round != it->second.rend(); ++round) {
    if (round->end > later_end) return 0;
    if (round->end <= offset) return round->read_at_ms;
    later_end = round->end;
  }
  return 0;
}

}  // namespace duplex::offsets
