#include "config/topic_namer.h"

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

}  // namespace duplex::config
