#pragma once

#include <string>

namespace duplex::config {

// Names the target topic from a rename template: {topic}, {source}, {target}.
// "{topic}" (the default) keeps names, for active-active on the same topic.
class TopicNamer {
 public:
  TopicNamer(std::string pattern, std::string source, std::string target)
      : pattern_(std::move(pattern)), source_(std::move(source)), target_(std::move(target)) {}

  std::string target_topic(const std::string& source_topic) const;
  // The source topic has the name the reverse flow (target -> source, same template) gives a
  // topic of the target: a copy of the target's own records, which must not come back home
  // under a second name (west.east.orders). Never with "{topic}": there loops are told apart
  // per record, by their origin.
  bool names_a_copy_of_target(const std::string& source_topic) const;

 private:
  std::string pattern_;
  std::string source_;
  std::string target_;
};

}  // namespace duplex::config
