#pragma once

#include <cstdint>
#include <optional>

#include "conflict/index_entry.h"
#include "conflict/version.h"

// Last-writer-wins on a topic (docs/conflict-resolution.md has the long form).
//
// A record's version is (timestamp, rank of its origin region): the origin is its
// `duplex.origin` header, or the home region for a local write without one; the region listed
// first in `region_rank` has the highest rank. Tombstones are versions like any other. The key
// index holds, per key, the newest version in the home topic.
//
// - Copy (a flow source -> home): a copy of key k is written iff the index has no entry for k
//   or its version >= the entry's. `>=`: equal versions come from one region, and there the
//   later one in source order won.
// - Observation (every record of the home topic, in offset order per partition): a version
//   >= the entry's becomes the newest; a lower one is a loser that landed after the winner,
//   and needs a repair: the winner written again after it (same key, value, headers, timestamp,
//   plus a `duplex.repair` header so that no flow copies it).
// - Equal versions: a repair of an older record with the winner's version (the same region
//   wrote the key twice in one millisecond, and a loser between the two was repaired with the
//   first after the second had landed) must not become the newest: a repair is the newest only
//   if its content digest is the entry's.
//
// Convergence: let W be the record of k with the highest version, the last one in its origin's
// order among equals. No index holds a higher version, so every flow writes W into every other
// region. Every record landing after W in a region is a loser, or a repair: of W, or of an
// older record, which is itself observed as a loser. So each region's last record of k (what
// compaction keeps) ends as W: value, headers, timestamp. Assumes CreateTime timestamps set by
// producers (clock skew decides who wins, never whether regions converge), that each sidecar
// reads its home topic to the end, that its position passes a loser only once the loser's
// repair is acknowledged, and that compaction does not remove W at its origin before every flow
// copied it (the doc lists the others).
namespace duplex::conflict {

enum class CopyDecision { write, skip };

// Whether a copy with version `incoming` is written to the home topic.
CopyDecision decide_copy(const std::optional<IndexEntry>& newest, Version incoming);

// A record of the home topic, as observation needs it.
struct Observed {
  Version version;
  bool repair = false;  // it carries `duplex.repair`
  uint64_t digest = 0;  // ContentDigest of its value and headers
};

enum class Observation {
  newest,  // it is now the newest record of its key: the index takes it
  repair,  // a loser: write the index's newest again after it
};

Observation observe(const std::optional<IndexEntry>& newest, const Observed& seen);

}  // namespace duplex::conflict
