#include <regex>

#include "config/config.h"

namespace duplex::config {

ConflictPolicy ConflictSettings::policy_for(const std::string& topic) const {
  for (const auto& rule : topics) {
    if (std::regex_match(topic, std::regex(rule.match))) return rule.policy;
  }
  return policy;
}

}  // namespace duplex::config
