#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>

namespace duplex::offsets {

// The source's ends that a checkpointer read in its recent rounds, per partition, to bound
// when the records not copied yet were written. A source appends in offset order, so every
// record at or after an offset was appended after the newest round whose end was at most that
// offset. The newest copy's timestamp bounds it too, but after the source was idle that copy is
// old: the first checkpoints of a burst said its records spanned the whole idle time.
class SourceEndHistory {
 public:
  using Partition = std::pair<std::string, int32_t>;

  // A round read `end` (the high watermark) of the partition at `read_at_ms`; rounds come in
  // time order. An unknown end (negative) is not kept.
  void add(const Partition& partition, int64_t read_at_ms, int64_t end);
  // The time of the newest round whose end was at most `offset`: every record from `offset` on
  // was appended after it. 0 when no kept round is known to be that early.
  int64_t appended_after(const Partition& partition, int64_t offset) const;

 private:
  // About 5 minutes of rounds at the default interval; a copy further behind than that falls
  // back to its newest copy's timestamp.
  static constexpr size_t kRoundsKept = 64;
  struct Round {
    int64_t read_at_ms;
    int64_t end;
  };
  std::map<Partition, std::deque<Round>> rounds_;
};

}  // namespace duplex::offsets
