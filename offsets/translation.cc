#include "offsets/translation.h"

#include <algorithm>

namespace duplex::offsets {

Translation translate(const OffsetIndex& forward, const ReverseFlow& reverse,
                      const std::string& source_topic, const std::string& target_topic,
                      int32_t partition, int64_t upstream) {
  // Below the reverse flow's commit everything is known. From there on, step over our copies,
  // over target-origin records whose copy on the source lies below `upstream` (consumed), and
  // over those the reverse flow passed without copying (below the end of its newest run:
  // repairs, and records superseded on the source); the first other record may be a
  // target-origin record the group has not read.
  int64_t local = reverse.committed.value_or(0);
  int64_t passed = local;  // the reverse flow has looked at every record below it
  if (reverse.runs) {
    if (auto newest = reverse.runs->newest(target_topic, partition)) {
      passed = std::max(passed, newest->source_end());
    }
  }
  for (;;) {
    local = forward.first_target_gap(source_topic, partition, local);
    if (!reverse.runs) break;
    auto run = reverse.runs->run_with(target_topic, partition, local);
    if (!run) {
      if (local >= passed) break;
      ++local;  // not copied: never consumed, and superseded where it was not
      continue;
    }
    if (run->target + (local - run->source) >= upstream) break;
    local = std::min(run->source_end(), run->source + (upstream - run->target));
  }
  if (reverse.runs) {
    // The first target-origin record copied to the source at or after `upstream`.
    if (auto first_unread =
            reverse.runs->first_copy_at_or_after_target(target_topic, partition, upstream)) {
      local = std::min(local, *first_unread);
    }
  }
  auto copied = forward.to_target(source_topic, partition, upstream);
  Translation t;
  t.local_target = local;
  t.copied_target = copied.value_or(local);
  t.target = std::min(t.copied_target, t.local_target);
  // Every copied target-origin record below local_target was copied below `upstream`.
  if (reverse.runs) {
    t.local_rereads = reverse.runs->copied_in(target_topic, partition, t.target, t.local_target);
  }
  return t;
}

Translation translate_on_target(const OffsetIndex& forward,
                                const std::vector<Checkpoint>& checkpoints,
                                const std::string& source_topic, const std::string& target_topic,
                                int32_t partition, int64_t upstream) {
  Translation t = translate(forward, {}, source_topic, target_topic, partition, upstream);
  for (const auto& c : checkpoints) {
    if (c.source_topic == source_topic && c.partition == partition && c.upstream <= upstream) {
      t.local_target = std::max(t.local_target, c.local_target);
    }
  }
  t.target = std::min(t.copied_target, t.local_target);
  return t;
}

}  // namespace duplex::offsets
