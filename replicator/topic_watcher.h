#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/topic_namer.h"
#include "config/topic_selector.h"
#include "kafka/acl_admin.h"
#include "kafka/topic_admin.h"
#include "replicator/flow_metrics.h"
#include "replicator/topic_acl_sync.h"
#include "replicator/topic_feed.h"
#include "replicator/topic_mirror.h"

namespace duplex::replicator {

// Finds what a flow copies, on a thread of its own (every request waits on a cluster):
//
//   every interval, or soon when asked:
//   [1 internal topics on the target] ─► [2 list source and target] ─► [3 mirror selected topics]
//                                                                            ─► [4 plan] ─► loop
//
// 1. The flow's own topics (offset syncs; progress, exactly-once) are created when missing,
//    tried again every round until they exist: nothing is planned before, since no copy
//    could be committed without them.
// 2. A listing of both clusters; the target's through the producer's handle when there is
//    one, so the producer learns of new partitions too.
// 3. A selected topic (not one the rename template names as a copy of a target topic) is
//    created on the target (partitions and configs) or grown to the source's partition
//    count; one that fails is left out (and logged once per distinct error), unless it is
//    already being copied.
// 4. The plan, with the target topics' max.message.bytes, goes to the copy loop, which
//    subscribes and starts partitions from it.
// 5. With configs.sync, the planned topics' configs follow their sources' (TopicConfigSync):
//    after the plan, so a cluster slow to describe configs never holds up the copy.
// 6. With acls.sync, the source's ACLs of the planned topics that the target lacks are created
//    there (TopicAclSync), also after the plan.
class TopicWatcher : public TopicFeed {
 public:
  struct InternalTopic {
    std::string name;
    std::map<std::string, std::string> configs;  // one partition: runs stay in write order
  };
  struct Settings {
    std::string flow;
    config::NameFilter topics;
    config::TopicNamer namer;
    std::vector<InternalTopic> internal_topics;
    std::chrono::milliseconds interval{10000};
    std::chrono::milliseconds admin_timeout{15000};
    // Reading the target topics' limits: a broker answers in milliseconds; one that cannot
    // (no DescribeConfigs, e.g. librdkafka's mock cluster, or no permission) must not hold up
    // the plan for long.
    std::chrono::milliseconds limits_timeout{2000};
    config::TopicConfigCopy configs;
    config::AclCopy acls;
    // The sidecar's principals on the source and target, when known (TopicAclSync).
    std::set<std::string> own_principals;
  };

  // `stop` (when given): the flow is stopping; the thread ends by itself, between requests.
  TopicWatcher(Settings settings, const kafka::TopicAdmin& source, const kafka::TopicAdmin& target,
               FlowMetrics& metrics, const std::atomic<bool>* stop = nullptr);
  ~TopicWatcher() override;  // stops and joins the thread
  TopicWatcher(const TopicWatcher&) = delete;
  TopicWatcher& operator=(const TopicWatcher&) = delete;

  // Starts refreshing on its thread, the first time at once.
  void start();
  // Ends the thread after the request it waits on, without waiting for it.
  void stop();
  // One round on the caller's thread; false when a cluster did not answer.
  bool refresh();

  std::optional<TopicPlan> take_plan() override;
  void request_refresh() override;
  std::optional<std::string> refused() override;

 private:
  void run();
  bool stopping() const;
  bool ensure_internal_topics();
  // The plan's target topics' max.message.bytes (and duplex.dlq's), or the last known.
  void read_limits(TopicPlan& plan, const std::map<std::string, int>& target_topics);
  // Step 5, for the topics of `plan` that exist on the target.
  void sync_configs(const TopicPlan& plan);
  // Step 6, for the topics of `plan` that exist on the target.
  void sync_acls(const TopicPlan& plan);
  // Logs `message` unless it is what was logged last for `what`.
  void warn_once(const std::string& what, const std::string& message,
                 spdlog::level::level_enum level = spdlog::level::warn);

  Settings settings_;
  config::TopicSelector selector_;
  const kafka::TopicAdmin& source_;
  const kafka::TopicAdmin& target_;
  TopicConfigSync config_sync_;
  kafka::AclAdmin source_acls_;
  kafka::AclAdmin target_acls_;
  TopicAclSync acl_sync_;
  TopicMirror mirror_;
  FlowMetrics& metrics_;
  const std::atomic<bool>* flow_stop_;
  bool internal_ready_ = false;
  std::map<std::string, std::string> warned_;                // what -> last message logged
  std::chrono::steady_clock::time_point limits_retry_at_{};  // after a failed read of them
  std::chrono::steady_clock::time_point configs_retry_at_{};
  std::chrono::steady_clock::time_point acls_retry_at_{};
  rd_kafka_resp_err_t acl_create_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;  // the last one warned of

  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
  bool requested_ = false;
  std::optional<TopicPlan> plan_;  // the newest, until taken
  std::optional<std::string> refused_;
  std::atomic<bool> fresh_{false};  // plan_ holds one not taken yet: a check without the lock
  TopicPlan last_;                  // refresh()'s thread only: what the loop copies
  std::thread thread_;
};

}  // namespace duplex::replicator
