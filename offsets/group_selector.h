#pragma once

#include <regex>
#include <string>
#include <vector>

#include "config/config.h"

namespace duplex::offsets {

// Which source consumer groups get checkpoints: include/exclude regexes (whole-name match),
// never duplex's own groups (`duplex.*`).
class GroupSelector {
 public:
  explicit GroupSelector(const config::NameFilter& filter);
  bool selects(const std::string& group) const;

 private:
  std::vector<std::regex> include_;
  std::vector<std::regex> exclude_;
};

}  // namespace duplex::offsets
