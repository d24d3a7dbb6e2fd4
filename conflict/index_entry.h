#pragma once

#include <cstdint>
#include <string>

#include "conflict/version.h"

namespace duplex::conflict {

// What the key index knows of a key of a managed topic: its newest record in the home topic.
struct IndexEntry {
  Version version;
  // Where that record sits in the home topic, in the key's partition (the caller knows it): a
  // repair reads a non-tombstone winner back from there.
  int64_t offset = 0;
  // A null value: repaired by writing a tombstone again, without reading it back (compaction
  // may have removed it after delete.retention.ms).
  bool tombstone = false;
  std::string origin;  // the region where it was first written
  // ContentDigest of its value and headers: tells a repair of this record from a repair of an
  // older record with the same version (see last_writer_wins.h, "Equal versions").
  uint64_t digest = 0;

  bool operator==(const IndexEntry&) const = default;
};

}  // namespace duplex::conflict
