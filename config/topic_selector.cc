#include "config/topic_selector.h"

namespace duplex::config {
namespace {

std::vector<std::regex> compile(const std::vector<std::string>& patterns) {
  std::vector<std::regex> out;
  out.reserve(patterns.size());
  for (const auto& p : patterns) out.emplace_back(p);
  return out;
}

bool any_match(const std::vector<std::regex>& patterns, const std::string& name) {
  for (const auto& p : patterns) {
    if (std::regex_match(name, p)) return true;
  }
  return false;
}

}  // namespace

TopicSelector::TopicSelector(const NameFilter& filter)
    : include_(compile(filter.include)), exclude_(compile(filter.exclude)) {}

bool TopicSelector::is_internal(const std::string& topic) {
  if (topic.rfind("__", 0) == 0) return true;
  return topic.rfind("duplex.", 0) == 0 && topic != "duplex.heartbeats";
}

bool TopicSelector::selects(const std::string& topic) const {
  if (topic == "duplex.heartbeats") return true;  // how regions see each other: always
  return !is_internal(topic) && any_match(include_, topic) && !any_match(exclude_, topic);
}

}  // namespace duplex::config
