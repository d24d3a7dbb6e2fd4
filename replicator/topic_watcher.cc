#include "replicator/topic_watcher.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "kafka/access_error.h"
#include "kafka/timestamps.h"
#include "replicator/dead_letter.h"

namespace duplex::replicator {
namespace {

// Asked-for refreshes come no closer than this: a missing target partition is asked about
// by every partition that lacks it.
constexpr std::chrono::milliseconds kMinRefreshGap{500};
// How often the thread looks at the flow's stop flag while it waits.
constexpr std::chrono::milliseconds kStopCheck{100};
// The target topics' limits, after a failed read, are asked for again only after this; the
// plan keeps the limits last read meanwhile.
constexpr std::chrono::seconds kLimitsRetry{30};

}  // namespace

TopicWatcher::TopicWatcher(Settings settings, const kafka::TopicAdmin& source,
                           const kafka::TopicAdmin& target, FlowMetrics& metrics,
                           const std::atomic<bool>* stop)
    : settings_(std::move(settings)),
      selector_(settings_.topics),
      source_(source),
      target_(target),
      config_sync_(settings_.configs.exclude),
      source_acls_(source.handle(), source.cluster()),
      target_acls_(target.handle(), target.cluster()),
      acl_sync_(settings_.own_principals),
      mirror_(source, target, config_sync_, settings_.admin_timeout),
      metrics_(metrics),
      flow_stop_(stop) {}

TopicWatcher::~TopicWatcher() {
  stop();
  if (thread_.joinable()) thread_.join();
}

void TopicWatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
}

bool TopicWatcher::stopping() const {
  return (flow_stop_ && flow_stop_->load()) || stop_;
}

void TopicWatcher::start() {
  thread_ = std::thread([this] { run(); });
}

void TopicWatcher::run() {
  auto next = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stopping()) {
    // Woken by stop(), a request, the next round, or to look at the flow's stop flag.
    wake_.wait_until(lock, std::min(next, std::chrono::steady_clock::now() + kStopCheck),
                     [&] { return stopping() || requested_; });
    if (stopping()) break;
    if (!requested_ && std::chrono::steady_clock::now() < next) continue;
    requested_ = false;
    lock.unlock();
    const auto started = std::chrono::steady_clock::now();
    refresh();
    lock.lock();
    next = std::max(started + settings_.interval, std::chrono::steady_clock::now());
    // A request made during the round is served after a short gap, not a whole interval.
    if (requested_) next = std::chrono::steady_clock::now() + kMinRefreshGap;
  }
}

bool TopicWatcher::ensure_internal_topics() {
  if (internal_ready_) return true;
  for (const auto& topic : settings_.internal_topics) {
    if (auto err = target_.ensure_topic(topic.name, 1, topic.configs, settings_.admin_timeout)) {
      metrics_.error("admin");
      // Without its own topics the flow never copies: a missing ACL ends it, not a retry.
      if (kafka::is_authorization_error(err.code())) {
        std::lock_guard lock(mutex_);
        refused_ = kafka::access_refused(err.code(), target_.cluster(), "topic " + topic.name,
                                         "CREATE, WRITE, READ and DESCRIBE", err.message());
        return false;
      }
      warn_once(topic.name, err.message() + " (copying starts once it exists)");
      return false;
    }
    warned_.erase(topic.name);
  }
  internal_ready_ = true;
  return true;
}

bool TopicWatcher::refresh() {
  if (!ensure_internal_topics() || stopping()) return false;
  auto source = source_.list_topics(settings_.admin_timeout);
  if (stopping()) return false;
  auto target = target_.list_topics(settings_.admin_timeout);
  for (auto* result : {&source, &target}) {
    if (auto* e = std::get_if<kafka::KafkaError>(result)) {
      metrics_.error("admin");
      warn_once("listing", "topic refresh skipped: " + e->message());
      return false;
    }
  }
  warned_.erase("listing");
  metrics_.counters().last_refresh_ok_ms = kafka::steady_ms();
  const auto& target_topics = std::get<0>(target);
  TopicPlan plan;
  for (const auto& [topic, partitions] : std::get<0>(source)) {
    if (stopping()) return false;
    if (!selector_.selects(topic)) continue;
    if (settings_.namer.names_a_copy_of_target(topic)) {
      warn_once("home copy " + topic,
                "topic " + topic + " is named as a copy of a topic of " + target_.cluster() +
                    " by the rename template: not copied back",
                spdlog::level::info);
      continue;
    }
    const std::string target_topic = settings_.namer.target_topic(topic);
    auto listed = target_topics.find(target_topic);
    int target_partitions = listed == target_topics.end() ? 0 : listed->second;
    if (auto err = mirror_.ensure(topic, partitions, target_topic, target_topics)) {
      metrics_.error("admin");
      warn_once("topic " + topic, "topic " + topic + " not replicated yet: " + err.message(),
                spdlog::level::err);
      // A topic already being copied keeps going (e.g. only the partition growth failed).
      if (!last_.targets.count(topic) || target_partitions == 0) continue;
    } else {
      warned_.erase("topic " + topic);
      target_partitions = std::max(target_partitions, partitions);
    }
    plan.targets[topic] = target_topic;
    plan.target_partitions[target_topic] = target_partitions;
  }
  read_limits(plan, target_topics);
  last_ = plan;
  {
    std::lock_guard lock(mutex_);
    plan_ = std::move(plan);
    fresh_ = true;
  }
  if (settings_.configs.sync && !stopping()) sync_configs(last_);
  if (settings_.acls.sync && !stopping()) sync_acls(last_);
  return true;
}

void TopicWatcher::sync_acls(const TopicPlan& plan) {
  const auto now = std::chrono::steady_clock::now();
  if (now < acls_retry_at_) return;  // it did not answer lately
  std::map<std::string, std::string> targets;
  for (const auto& [source, target] : plan.targets) {
    if (plan.target_partitions.at(target) > 0) targets[source] = target;
  }
  if (targets.empty()) return;
  const auto timeout = std::min(settings_.admin_timeout, settings_.limits_timeout);
  // A read that failed: reported, and not tried again before kLimitsRetry.
  auto unread = [&](const kafka::Result<std::vector<kafka::TopicAcl>>& acls,
                    const std::string& cluster) {
    const auto* e = std::get_if<kafka::KafkaError>(&acls);
    if (e == nullptr) return false;
    metrics_.error("admin");
    acls_retry_at_ = now + kLimitsRetry;
    warn_once("acls", "cannot read the topic ACLs of " + cluster + " (" + e->message() +
                          "): ACLs are not copied until it answers");
    return true;
  };
  // librdkafka (2.0.2 and later) answers a DescribeAcls the broker refused (no authorizer, no
  // DESCRIBE on the cluster) with an empty list, not an error: such a source has nothing to copy.
  auto from = source_acls_.literal_topic_acls(timeout);
  if (unread(from, source_.cluster())) return;
  // Nothing to copy: the target is not asked.
  if (acl_sync_.plan(std::get<0>(from), targets, {}).empty()) {
    warned_.erase("acls");
    return;
  }
  auto to = target_acls_.literal_topic_acls(timeout);
  if (unread(to, target_.cluster())) return;
  warned_.erase("acls");
  const auto create = acl_sync_.plan(std::get<0>(from), targets, std::get<0>(to));
  if (create.empty()) {
    std::vector<std::string> names;
    for (const auto& [source, target] : targets) names.push_back(target);
    spdlog::debug("flow {}: topic ACLs of {} on {} in step: none to create", settings_.flow,
                  fmt::join(names, ", "), target_.cluster());
    return;
  }
  if (stopping()) return;
  if (auto err = target_acls_.create(create, settings_.admin_timeout)) {
    metrics_.error("admin");
    // Once per error code: the broker's text names its request objects, new at every round.
    if (err.code() == acl_create_error_) return;
    acl_create_error_ = err.code();
    auto refused =
        kafka::access_refused(err.code(), target_.cluster(), "the cluster", "ALTER", err.message());
    spdlog::warn("flow {}: topic ACLs not copied (tried again at every refresh): {}",
                 settings_.flow, refused ? *refused : err.message());
    return;
  }
  acl_create_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::vector<std::string> created;
  for (const auto& acl : create) created.push_back(acl.text());
  spdlog::info("flow {}: created {} topic ACLs on {}: {}", settings_.flow, create.size(),
               target_.cluster(), fmt::join(created, "; "));
}

void TopicWatcher::sync_configs(const TopicPlan& plan) {
  const auto now = std::chrono::steady_clock::now();
  if (now < configs_retry_at_ || now < limits_retry_at_) return;  // it did not answer lately
  std::vector<std::string> sources, targets;
  for (const auto& [source, target] : plan.targets) {
    if (plan.target_partitions.at(target) == 0) continue;
    sources.push_back(source);
    targets.push_back(target);
  }
  const auto timeout = std::min(settings_.admin_timeout, settings_.limits_timeout);
  auto from = source_.topics_configs(sources, timeout);
  auto to = target_.topics_configs(targets, timeout);
  for (auto* result : {&from, &to}) {
    if (auto* e = std::get_if<kafka::KafkaError>(result)) {
      configs_retry_at_ = now + kLimitsRetry;
      warn_once("configs", "cannot read topic configs (" + e->message() +
                               "): config changes are not copied until it answers");
      return;
    }
  }
  warned_.erase("configs");
  const auto& source_configs = std::get<0>(from);
  const auto& target_configs = std::get<0>(to);
  for (size_t i = 0; i < sources.size() && !stopping(); ++i) {
    auto s = source_configs.find(sources[i]);
    auto t = target_configs.find(targets[i]);
    if (s == source_configs.end() || t == target_configs.end()) continue;  // gone, or refused
    const bool replica = sources[i] != targets[i];
    auto plan_of = config_sync_.plan(sources[i], replica, s->second, t->second);
    if (!plan_of.differing.empty()) {
      warn_once("configs differ " + targets[i],
                "configs of topic " + targets[i] + " differ from " + sources[i] + " on " +
                    source_.cluster() + " (" +
                    fmt::format("{}", fmt::join(plan_of.differing, ", ")) +
                    ") and were changed on both sides, or before this sidecar started: kept "
                    "as they are; set them on one side and the change is copied to the other",
                spdlog::level::info);
    }
    if (!plan_of.write) continue;
    if (auto err = target_.set_topic_configs(targets[i], *plan_of.write, settings_.admin_timeout)) {
      metrics_.error("admin");
      warn_once("configs of " + targets[i], err.message());
      continue;
    }
    warned_.erase("configs of " + targets[i]);
    spdlog::info(
        "flow {}: configs of target topic {} follow {}:{}{}", settings_.flow, targets[i],
        sources[i], plan_of.set.empty() ? "" : fmt::format(" set {}", fmt::join(plan_of.set, ", ")),
        plan_of.removed.empty() ? ""
                                : fmt::format(" removed {}", fmt::join(plan_of.removed, ", ")));
  }
}

void TopicWatcher::read_limits(TopicPlan& plan, const std::map<std::string, int>& target_topics) {
  std::vector<std::string> topics;
  for (const auto& [topic, partitions] : plan.target_partitions) {
    if (partitions > 0) topics.push_back(topic);
  }
  if (target_topics.count(std::string(kDeadLetterTopic))) {
    topics.emplace_back(kDeadLetterTopic);
  }
  plan.max_message_bytes = last_.max_message_bytes;
  const auto now = std::chrono::steady_clock::now();
  if (now < limits_retry_at_) return;
  auto limits = target_.max_message_bytes(
      topics, std::min(settings_.admin_timeout, settings_.limits_timeout));
  if (auto* e = std::get_if<kafka::KafkaError>(&limits)) {
    limits_retry_at_ = now + kLimitsRetry;
    // Copies go on; only a record the target then refuses stops the flow (exit 1).
    warn_once("limits",
              "cannot read max.message.bytes of the target topics (" + e->message() +
                  "): records are checked against the producer's message.max.bytes only, "
                  "until it answers",
              spdlog::level::info);
    return;
  }
  warned_.erase("limits");
  plan.max_message_bytes = std::move(std::get<0>(limits));
}

std::optional<TopicPlan> TopicWatcher::take_plan() {
  if (!fresh_.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard lock(mutex_);
  fresh_ = false;
  return std::exchange(plan_, std::nullopt);
}

std::optional<std::string> TopicWatcher::refused() {
  std::lock_guard lock(mutex_);
  return refused_;
}

void TopicWatcher::request_refresh() {
  {
    std::lock_guard lock(mutex_);
    requested_ = true;
  }
  wake_.notify_all();
}

void TopicWatcher::warn_once(const std::string& what, const std::string& message,
                             spdlog::level::level_enum level) {
  if (warned_[what] == message) return;
  warned_[what] = message;
  spdlog::log(level, "flow {}: {}", settings_.flow, message);
}

}  // namespace duplex::replicator
