#include "config/topic_namer.h"

#include <string_view>

namespace duplex::config {

std::string TopicNamer::target_topic(const std::string& source_topic) const {
  std::string out;
  size_t pos = 0;
  while (pos < pattern_.size()) {
    size_t open = pattern_.find('{', pos);
    size_t close = open == std::string::npos ? open : pattern_.find('}', open);
    if (close == std::string::npos) {
      out.append(pattern_, pos);
      break;
    }
    out.append(pattern_, pos, open - pos);
    std::string name = pattern_.substr(open + 1, close - open - 1);
    if (name == "topic") {
      out += source_topic;
    } else if (name == "source") {
      out += source_;
    } else if (name == "target") {
      out += target_;
    } else {
      out.append(pattern_, open, close - open + 1);  // validation rejects these; keep verbatim
    }
    pos = close + 1;
  }
  return out;
}

bool TopicNamer::names_a_copy_of_target(const std::string& source_topic) const {
  const std::string marker(1, '\x01');
  const std::string shape = TopicNamer(pattern_, target_, source_).target_topic(marker);
  const size_t at = shape.find(marker);
  if (at == std::string::npos) return false;
  const std::string_view prefix(shape.data(), at);
  const std::string_view suffix(shape.data() + at + 1, shape.size() - at - 1);
  if (prefix.empty() && suffix.empty()) return false;
  return source_topic.size() > prefix.size() + suffix.size() &&
         std::string_view(source_topic).starts_with(prefix) &&
         std::string_view(source_topic).ends_with(suffix);
}

}  // namespace duplex::config
