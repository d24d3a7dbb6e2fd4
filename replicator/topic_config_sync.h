#pragma once

#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace duplex::replicator {

// Keeps a target topic's configs in step with its source topic's after creation, at every
// topic refresh. Two kinds of target topic:
//  - a replica (its name differs from the source's, e.g. rename "{source}.{topic}"): only this
//    flow writes it, so it follows the source exactly, and an edit made by hand on the target
//    to a replicated config is reverted;
//  - a shared topic (the same name in both regions, active-active): each region's sidecar
//    copies the other's changes. Only a change made on the source since the last round goes
//    over, and only onto a target that still holds the source's earlier value: two regions
//    changing one config at once keep their own values (reported) instead of swapping them at
//    every round. Differences found at the first round are reported, not resolved: which side
//    is newer cannot be known.
// Configs that match `exclude` belong to the target cluster and are left as they are there.
class TopicConfigSync {
 public:
  using Configs = std::map<std::string, std::string>;

  explicit TopicConfigSync(const std::vector<std::string>& exclude);

  // The config is copied (not excluded).
  bool replicated(const std::string& name) const;
  Configs replicated_only(const Configs& configs) const;

  struct Plan {
    std::optional<Configs> write;  // the target's whole config set to write, when it changes
    std::vector<std::string> set;  // "name=value", copied over
    std::vector<std::string> removed;
    // Shared topics: configs both regions changed (or that differed at the first round).
    std::vector<std::string> differing;
  };
  // What the target topic needs now; remembers `source` for the next round.
  Plan plan(const std::string& source_topic, bool replica, const Configs& source,
            const Configs& target);

 private:
  std::vector<std::regex> exclude_;
  std::map<std::string, Configs> last_source_;  // shared topics: the source at the last round
};

}  // namespace duplex::replicator
