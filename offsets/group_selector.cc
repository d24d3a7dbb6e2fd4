#include "offsets/group_selector.h"

#include <algorithm>

namespace duplex::offsets {

GroupSelector::GroupSelector(const config::NameFilter& filter) {
  for (const auto& p : filter.include) include_.emplace_back(p);
  for (const auto& p : filter.exclude) exclude_.emplace_back(p);
}

bool GroupSelector::selects(const std::string& group) const {
  if (group.rfind("duplex.", 0) == 0) return false;
  auto matches = [&](const std::regex& r) { return std::regex_match(group, r); };
  return std::any_of(include_.begin(), include_.end(), matches) &&
         std::none_of(exclude_.begin(), exclude_.end(), matches);
}

}  // namespace duplex::offsets
