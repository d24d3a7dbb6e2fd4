#include "verify/chunk_check.h"

#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "conflict/last_writer_wins.h"
#include "replicator/origin_filter.h"

namespace duplex::verify {
namespace {

bool is_loser(const VerifyRecord& record, const std::string& origin, const FlowRules& rules) {
  if (!rules.last_writer_wins || !rules.ranks || !rules.newest || !record.key) return false;
  const auto newest = rules.newest(*record.key);
  if (!newest) return false;
  const auto version = rules.ranks->version_or_lowest(record.timestamp, origin);
  return conflict::decide_copy(newest, version) == conflict::CopyDecision::skip;
}

}  // namespace

ChunkResult check_chunk(const Chunk& chunk, const FlowRules& rules,
                        const offsets::OffsetIndex& runs, const DigestSet* previous) {
  ChunkResult result;
  Tally& tally = result.tally;
  auto& compared_digests = result.compared;
  const auto& source = *chunk.source;
  const auto& target = *chunk.target;
  const replicator::OriginFilter filter(rules.source, rules.home, rules.regions);
  const auto newest_run = runs.newest(chunk.source_topic, chunk.partition);
  const int64_t copied_end = newest_run ? newest_run->source_end() : 0;

  // `target` is in offset order: found by binary search.
  auto target_at = [&](int64_t offset) -> std::optional<size_t> {
    auto it = std::lower_bound(target.begin(), target.end(), offset,
                               [](const VerifyRecord& r, int64_t o) { return r.offset < o; });
    if (it == target.end() || it->offset != offset) return std::nullopt;
    return static_cast<size_t>(it - target.begin());
  };
  for (const auto& copy : target) ++tally.target_origins[copy.origin.value_or(rules.home)];
  tally.target_records = static_cast<int64_t>(target.size());
  std::vector<bool> claimed(target.size(), false);

  // Steps 1-3; records without a sync wait for step 4, after every synced copy was claimed.
  struct Unsynced {
    const VerifyRecord* record;
    std::string origin;
  };
  std::vector<Unsynced> unsynced;
  std::vector<const VerifyRecord*> compared;  // in source order
  std::unordered_set<int64_t> losers;         // source offsets
  tally.source_records = static_cast<int64_t>(source.size());
  tally.aborted = chunk.aborted;
  tally.source_gaps = (chunk.to - chunk.from) - tally.source_records - chunk.aborted;
  for (const auto& record : source) {
    ++tally.source_origins[record.origin.value_or(rules.source)];
    if (!tally.first_timestamp || record.timestamp < *tally.first_timestamp) {
      tally.first_timestamp = record.timestamp;
    }
    if (!tally.last_timestamp || record.timestamp > *tally.last_timestamp) {
      tally.last_timestamp = record.timestamp;
    }
    bool restamped = false;  // a malformed origin: copied as the source's
    switch (filter.judge(record.origin, record.repair)) {
      case replicator::OriginFilter::Verdict::skip_loop:
        ++tally.loops;
        continue;
      case replicator::OriginFilter::Verdict::skip_other_origin:
      case replicator::OriginFilter::Verdict::skip_unknown_origin:
        ++tally.other_origin;
        continue;
      case replicator::OriginFilter::Verdict::skip_repair:
        ++tally.repairs;
        continue;
      case replicator::OriginFilter::Verdict::copy_and_restamp:
        restamped = true;
        break;
      case replicator::OriginFilter::Verdict::copy:
      case replicator::OriginFilter::Verdict::copy_and_stamp:
        break;
    }
    if (record.offset >= copied_end) {
      ++tally.pending;
      continue;
    }
    const std::string origin = restamped ? rules.source : record.origin.value_or(rules.source);
    ++tally.compared;
    compared.push_back(&record);
    compared_digests.add(record.digest);
    const auto run = runs.run_with(chunk.source_topic, chunk.partition, record.offset);
    if (!run) {
      unsynced.push_back({&record, origin});
      continue;
    }
    const int64_t target_offset = run->target + (record.offset - run->source);
    const auto at = target_at(target_offset);
    if (!at || claimed[*at]) {
      tally.diverge({Divergence::Kind::missing, record.offset, target_offset});
      continue;
    }
    claimed[*at] = true;
    const auto& copy = target[*at];
    if (copy.digest == record.digest && copy.origin == origin) {
      ++tally.matching;
    } else {
      tally.diverge({Divergence::Kind::different, record.offset, target_offset});
    }
  }

  compared_digests.seal();

  // Steps 4 and 5 (syncs are rarely missing: the index by digest is built only then).
  std::unordered_multimap<uint64_t, size_t> by_digest;
  if (!unsynced.empty()) {
    for (size_t i = 0; i < target.size(); ++i) by_digest.emplace(target[i].digest, i);
  }
  for (const auto& [record, origin] : unsynced) {
    bool found = false;
    auto [begin, end] = by_digest.equal_range(record->digest);
    for (auto it = begin; it != end && !found; ++it) {
      if (!claimed[it->second] && target[it->second].origin == origin) {
        claimed[it->second] = true;
        found = true;
      }
    }
    if (found) {
      ++tally.matching;
    } else if (is_loser(*record, origin, rules)) {
      // Not a comparison after all: a skip on purpose.
      --tally.compared;
      ++tally.conflict_losers;
      losers.insert(record->offset);
    } else {
      tally.diverge({Divergence::Kind::missing, record->offset, std::nullopt});
    }
  }

  for (const auto* record : compared) {
    if (!losers.contains(record->offset)) {
      tally.source_digest = chain(tally.source_digest, record->digest);
    }
  }

  // Step 6, and the target's digest of its copies from the source, in target order.
  for (size_t i = 0; i < target.size(); ++i) {
    const auto& copy = target[i];
    const bool from_source = !copy.repair && copy.origin == rules.source;
    if (claimed[i]) {
      tally.target_digest = chain(tally.target_digest, copy.digest);
      continue;
    }
    if (!from_source) {
      ++tally.target_other;
    } else if (compared_digests.contains(copy.digest) ||
               (previous && previous->contains(copy.digest))) {
      ++tally.duplicates;
    } else {
      result.undecided.push_back(
          {copy.digest,
           {Divergence::Kind::extra,
            runs.first_copy_at_or_after_target(chunk.source_topic, chunk.partition, copy.offset),
            copy.offset}});
    }
  }
  return result;
}

}  // namespace duplex::verify
