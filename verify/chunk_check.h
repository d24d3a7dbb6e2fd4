#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conflict/index_entry.h"
#include "conflict/region_ranks.h"
#include "offsets/offset_index.h"
#include "verify/tally.h"
#include "verify/verify_record.h"

namespace duplex::verify {

// The flow whose copy is verified (source -> home) and how it judges records.
struct FlowRules {
  std::string source;
  std::string home;
  // Last-writer-wins on the topic: the ranks give versions, and `newest` the target topic's
  // newest record of a key (its whole partition); a copy older than it was skipped on purpose.
  bool last_writer_wins = false;
  const conflict::RegionRanks* ranks = nullptr;
  std::function<std::optional<conflict::IndexEntry>(const std::string& key)> newest;
  // Every region of the config: an origin that names none of them was skipped on purpose.
  std::set<std::string, std::less<>> regions;
};

// One piece of a partition: the source records of [from, to) as a read_committed consumer
// sees them, and the target records of the window that the offset syncs map that range to.
struct Chunk {
  std::string source_topic;
  int32_t partition = 0;
  int64_t from = 0;
  int64_t to = 0;
  const std::vector<VerifyRecord>* source = nullptr;
  const std::vector<VerifyRecord>* target = nullptr;
  int64_t aborted = 0;  // records of aborted transactions in [from, to) (not in `source`)
};

// Compares a chunk (docs/verify.md):
//   source record ─► [1 origin rules] ─► [2 synced?] ─► [3 its copy] ─► matching | different
//                                             └─ no ─► [4 same content unclaimed] ─► matching
//                                                          └─ no ─► [5 conflict loser | missing]
//   target copy from the source, not claimed ─► [6 duplicate | extra]
// 1. A loop, a third region's record or a repair is never copied: counted, not compared;
//    a record after the newest sync is pending.
// 2. The run that copied its offset gives its copy's target offset.
// 3. That target record must have its key, value, timestamp, user headers, and the origin
//    duplex stamps (the record's own, or the source region).
// 4. Without a sync (syncs lost), an unclaimed copy with the same content and origin matches.
// 5. A last-writer-wins loser is accounted for; anything else is missing.
// 6. A copy from the source that no source record claimed: a second copy of a record compared
//    here or in the previous chunk (an at-least-once re-copy), or undecided: the next chunk's
//    records may be what it copies (a re-copy lies after the first copy, which the syncs put
//    in the window of an earlier source range). PartitionCheck settles it.
// Digests of a chunk's compared records: a sorted vector (one allocation, not one a record).
class DigestSet {
 public:
  void add(uint64_t digest) { digests_.push_back(digest); }
  void seal() { std::sort(digests_.begin(), digests_.end()); }  // before contains()
  bool contains(uint64_t digest) const {
    return std::binary_search(digests_.begin(), digests_.end(), digest);
  }

 private:
  std::vector<uint64_t> digests_;
};
struct ChunkResult {
  Tally tally;
  DigestSet compared;  // of the records compared
  std::vector<Undecided> undecided;
};
ChunkResult check_chunk(const Chunk& chunk, const FlowRules& rules,
                        const offsets::OffsetIndex& runs, const DigestSet* previous = nullptr);

}  // namespace duplex::verify
