#pragma once

#include <regex>
#include <string>
#include <vector>

#include "config/config.h"

namespace duplex::config {

// Which source topics a flow copies: include/exclude regexes (whole-name match), and never
// duplex's internal topics or Kafka's own `__*` topics, whatever the patterns say. The one
// exception is duplex.heartbeats, which is always copied (it is how regions see each other).
class TopicSelector {
 public:
  explicit TopicSelector(const NameFilter& filter);

  bool selects(const std::string& topic) const;
  static bool is_internal(const std::string& topic);

 private:
  std::vector<std::regex> include_;
  std::vector<std::regex> exclude_;
};

}  // namespace duplex::config
