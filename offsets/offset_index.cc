#include "offsets/offset_index.h"

#include <algorithm>

namespace duplex::offsets {

void OffsetIndex::add(const OffsetRun& run) {
  Partition& p = partitions_[{run.source_topic, run.partition}];
  p.by_source.insert_or_assign(run.source, run);
  p.longest = std::max(p.longest, run.count);
  p.by_target[run.target] = run.source;
}

const OffsetIndex::Partition* OffsetIndex::find(const std::string& topic, int32_t partition) const {
  auto it = partitions_.find({topic, partition});
  return it == partitions_.end() ? nullptr : &it->second;
}

std::optional<int64_t> OffsetIndex::to_target(const std::string& topic, int32_t partition,
                                              int64_t source_offset) const {
  const Partition* p = find(topic, partition);
  if (!p || p->by_source.empty()) return std::nullopt;
  auto next = p->by_source.upper_bound(source_offset);
  if (next != p->by_source.begin()) {
    const OffsetRun& run = std::prev(next)->second;
    if (source_offset < run.source_end()) return run.target + (source_offset - run.source);
  }
  if (next != p->by_source.end()) return next->second.target;
  return p->by_source.rbegin()->second.target_end();
}

std::optional<int64_t> OffsetIndex::first_copy_at_or_after_target(const std::string& topic,
                                                                  int32_t partition,
                                                                  int64_t target_offset) const {
  const Partition* p = find(topic, partition);
  if (!p) return std::nullopt;
  auto next = p->by_target.upper_bound(target_offset);
  if (next != p->by_target.begin()) {
    const OffsetRun& run = p->by_source.at(std::prev(next)->second);
    if (target_offset < run.target_end()) return run.source + (target_offset - run.target);
  }
  if (next != p->by_target.end()) return next->second;
  return std::nullopt;
}

std::optional<OffsetRun> OffsetIndex::run_with(const std::string& topic, int32_t partition,
                                               int64_t source_offset) const {
  const Partition* p = find(topic, partition);
  if (!p) return std::nullopt;
  auto next = p->by_source.upper_bound(source_offset);
  if (next == p->by_source.begin()) return std::nullopt;
  const OffsetRun& run = std::prev(next)->second;
  if (source_offset >= run.source_end()) return std::nullopt;
  return run;
}

int64_t OffsetIndex::copied_in(const std::string& topic, int32_t partition, int64_t from,
                               int64_t to) const {
  const Partition* p = find(topic, partition);
  if (!p || from >= to) return 0;
  // Re-copies after a crash overlap earlier runs: every run that may reach `from` starts less
  // than the longest run before it.
  auto it = p->by_source.lower_bound(from - p->longest);
  int64_t copied = 0;
  int64_t position = from;  // below it: counted, or copied by no run
  for (; it != p->by_source.end() && it->second.source < to; ++it) {
    const int64_t begin = std::max(position, it->second.source);
    const int64_t end = std::min(to, it->second.source_end());
    if (begin < end) {
      copied += end - begin;
      position = end;
    }
  }
  return copied;
}

int64_t OffsetIndex::first_target_gap(const std::string& topic, int32_t partition,
                                      int64_t from) const {
  const Partition* p = find(topic, partition);
  if (!p) return from;
  int64_t position = from;
  // Runs may overlap (re-copies after a crash); step over every run that covers `position`,
  // over our own commit markers between two runs, and over ranges read empty.
  for (;;) {
    if (auto empty = p->empty.upper_bound(position);
        empty != p->empty.begin() && std::prev(empty)->second > position) {
      position = std::prev(empty)->second;
      continue;
    }
    auto next = p->by_target.upper_bound(position);
    if (next == p->by_target.begin()) return position;
    const OffsetRun& run = p->by_source.at(std::prev(next)->second);
    if (position >= run.target_end()) {
      const bool marker = position == run.target_end() && next != p->by_target.end() &&
                          next->first == position + 1 && p->by_source.at(next->second).after_marker;
      if (!marker) return position;
      position = next->first;
      continue;
    }
    position = run.target_end();
  }
}

void OffsetIndex::add_empty(const std::string& topic, int32_t partition, int64_t from, int64_t to) {
  if (from >= to) return;
  int64_t& end = partitions_[{topic, partition}].empty[from];
  end = std::max(end, to);
}

std::optional<int64_t> OffsetIndex::next_copy_on_target(const std::string& topic, int32_t partition,
                                                        int64_t target_offset) const {
  const Partition* p = find(topic, partition);
  if (!p) return std::nullopt;
  auto next = p->by_target.upper_bound(target_offset);
  if (next == p->by_target.end()) return std::nullopt;
  return next->first;
}

std::optional<OffsetRun> OffsetIndex::newest(const std::string& topic, int32_t partition) const {
  const Partition* p = find(topic, partition);
  if (!p || p->by_source.empty()) return std::nullopt;
  return p->by_source.rbegin()->second;
}

size_t OffsetIndex::runs() const {
  size_t total = 0;
  for (const auto& [key, p] : partitions_) total += p.by_source.size();
  return total;
}

}  // namespace duplex::offsets
