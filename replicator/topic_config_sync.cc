#include "replicator/topic_config_sync.h"

#include <set>

namespace duplex::replicator {
namespace {

std::optional<std::string> value_of(const TopicConfigSync::Configs& configs,
                                    const std::string& name) {
  auto it = configs.find(name);
  return it == configs.end() ? std::nullopt : std::optional<std::string>(it->second);
}

std::set<std::string> names_in(const TopicConfigSync::Configs& a,
                               const TopicConfigSync::Configs& b) {
  std::set<std::string> names;
  for (const auto* configs : {&a, &b}) {
    for (const auto& [name, value] : *configs) names.insert(name);
  }
  return names;
}

}  // namespace

TopicConfigSync::TopicConfigSync(const std::vector<std::string>& exclude) {
  for (const auto& pattern : exclude) exclude_.emplace_back(pattern);  // validated by the loader
}

bool TopicConfigSync::replicated(const std::string& name) const {
  for (const auto& re : exclude_) {
    if (std::regex_match(name, re)) return false;
  }
  return true;
}

TopicConfigSync::Configs TopicConfigSync::replicated_only(const Configs& configs) const {
  Configs out;
  for (const auto& [name, value] : configs) {
    if (replicated(name)) out[name] = value;
  }
  return out;
}

TopicConfigSync::Plan TopicConfigSync::plan(const std::string& source_topic, bool replica,
                                            const Configs& source, const Configs& target) {
  Plan plan;
  const Configs from = replicated_only(source);
  const Configs copied = replicated_only(target);
  Configs wanted = copied;
  auto last = last_source_.find(source_topic);
  if (replica) {
    wanted = from;
  } else if (last == last_source_.end()) {
    for (const auto& name : names_in(from, copied)) {
      if (value_of(from, name) != value_of(copied, name)) plan.differing.push_back(name);
    }
  } else {
    for (const auto& name : names_in(last->second, from)) {
      const auto before = value_of(last->second, name);
      const auto now = value_of(from, name);
      const auto here = value_of(copied, name);
      if (before == now || here == now) continue;  // not changed on the source, or already so
      if (here != before) {                        // changed on both sides
        plan.differing.push_back(name);
      } else if (now) {
        wanted[name] = *now;
      } else {
        wanted.erase(name);
      }
    }
  }
  if (!replica) last_source_[source_topic] = from;
  if (wanted == copied) return plan;
  for (const auto& [name, value] : wanted) {
    if (value_of(copied, name) != value) plan.set.push_back(name + "=" + value);
  }
  for (const auto& [name, value] : copied) {
    if (!wanted.count(name)) plan.removed.push_back(name);
  }
  Configs write = wanted;
  for (const auto& [name, value] : target) {
    if (!replicated(name)) write[name] = value;  // the target cluster's own, kept
  }
  plan.write = std::move(write);
  return plan;
}

}  // namespace duplex::replicator
