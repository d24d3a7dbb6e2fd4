#include "conflict/region_ranks.h"

#include <stdexcept>

namespace duplex::conflict {

RegionRanks::RegionRanks(const std::vector<std::string>& region_rank) {
  if (region_rank.empty()) throw std::invalid_argument("region_rank: no regions");
  int rank = static_cast<int>(region_rank.size());
  for (const auto& region : region_rank) {
    if (!ranks_.emplace(region, --rank).second) {
      throw std::invalid_argument("region_rank: '" + region + "' is listed twice");
    }
  }
}

std::optional<int> RegionRanks::rank(std::string_view region) const {
  auto it = ranks_.find(region);
  if (it == ranks_.end()) return std::nullopt;
  return it->second;
}

std::optional<Version> RegionRanks::version(int64_t timestamp, std::string_view origin) const {
  auto r = rank(origin);
  if (!r) return std::nullopt;
  return Version{timestamp, *r};
}

}  // namespace duplex::conflict
