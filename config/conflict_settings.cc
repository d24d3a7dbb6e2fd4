#include <algorithm>
#include <regex>

#include "config/config.h"
#include "config/topic_selector.h"

namespace duplex::config {

ConflictPolicy ConflictSettings::policy_for(const std::string& topic) const {
  for (const auto& rule : topics) {
    if (std::regex_match(topic, std::regex(rule.match))) return rule.policy;
  }
  return policy;
}

bool ConflictSettings::last_writer_wins(const std::string& topic) const {
  return !TopicSelector::is_internal(topic) && topic != "duplex.heartbeats" &&
         policy_for(topic) == ConflictPolicy::last_writer_wins;
}

bool ConflictSettings::any_last_writer_wins() const {
  return policy == ConflictPolicy::last_writer_wins ||
         std::any_of(topics.begin(), topics.end(), [](const ConflictOverride& rule) {
           return rule.policy == ConflictPolicy::last_writer_wins;
         });
}

}  // namespace duplex::config
