#pragma once

#include <compare>
#include <cstdint>

namespace duplex::conflict {

// The version of a record of a last-writer-wins topic: its timestamp (CreateTime, ms), then
// the rank of its origin region (RegionRanks), which breaks timestamp ties. Two records with
// equal versions come from the same region.
struct Version {
  int64_t timestamp = 0;
  int rank = 0;

  auto operator<=>(const Version&) const = default;  // timestamp first, then rank
};

}  // namespace duplex::conflict
