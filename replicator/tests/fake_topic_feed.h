#pragma once
// A TopicFeed whose plan a test sets; it counts the refreshes the loop asks for.

#include "replicator/topic_feed.h"

namespace duplex::replicator::testing {

class FakeTopicFeed : public TopicFeed {
 public:
  // Plans `topics` (same names on the target) with `partitions` each, for the next turn.
  // `limits`: target topic -> max.message.bytes, as the target says.
  void plan(const std::vector<std::string>& topics, int partitions,
            std::map<std::string, size_t> limits = {}) {
    TopicPlan p;
    p.max_message_bytes = std::move(limits);
    for (const auto& t : topics) {
      p.targets[t] = t;
      p.target_partitions[t] = partitions;
    }
    next_ = p;
  }
  std::optional<TopicPlan> take_plan() override { return std::exchange(next_, std::nullopt); }
  void request_refresh() override { refreshes++; }
  std::optional<std::string> refused() override { return refusal; }

  int refreshes = 0;
  std::optional<std::string> refusal;  // what refused() says

 private:
  std::optional<TopicPlan> next_;
};

}  // namespace duplex::replicator::testing
