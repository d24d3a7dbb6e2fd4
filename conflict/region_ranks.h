#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conflict/version.h"

namespace duplex::conflict {

// The ranks of the regions of `conflict.region_rank`: the region listed first wins timestamp
// ties, so it gets the highest rank (the list's length minus one), the last one rank 0.
class RegionRanks {
 public:
  // Throws std::invalid_argument on an empty list or a region listed twice (the config loader
  // refuses both before this is built).
  explicit RegionRanks(const std::vector<std::string>& region_rank);

  // nullopt for a region not in the list.
  std::optional<int> rank(std::string_view region) const;

  // The version of a record with this timestamp and origin region; nullopt for an unknown one.
  std::optional<Version> version(int64_t timestamp, std::string_view origin) const;
  // The same, with a region not in the list ranked below every listed one (-1): a record whose
  // origin header names a region this config does not know still gets the same version in
  // every region that shares the list.
  Version version_or_lowest(int64_t timestamp, std::string_view origin) const {
    return version(timestamp, origin).value_or(Version{timestamp, -1});
  }

 private:
  std::map<std::string, int, std::less<>> ranks_;
};

}  // namespace duplex::conflict
