#include "replicator/flow.h"

#include <spdlog/spdlog.h>

#include "kafka/client_factory.h"
#include "replicator/dead_letter.h"
#include "replicator/idempotent_sink.h"
#include "replicator/transactional_sink.h"

namespace duplex::replicator {
namespace {

// Exactly-once holds a copy's budget until its delivery report, and records wait in a
// partition's inbox while it commits (flush, then EndTxn): at the same rate more records are in
// flight than at-least-once's. At 50,000 records the loop held for the budget about a third of
// a 100 B copy (0.82 of the throughput); at twice that it holds only while the first
// transactions start, as at four times (peak RSS 297 vs 374 MiB in the same isolated runs).
constexpr size_t kExactlyOnceRecordsFactor = 2;

}  // namespace

Flow::Flow(const config::Config& config, const config::Flow& flow, const std::atomic<bool>& stop,
           metrics::ReplicationMetrics& metrics, FlowOptions options,
           std::optional<FlowConflict> conflict)
    : group_id_(group_id_for(config.region, flow.source)),
      instance_id_(config.instance_id),
      metrics_(metrics, flow.source + "->" + config.region),
      budget_(options.max_inflight_bytes,
              config.delivery == config::Delivery::exactly_once
                  ? options.max_inflight_records * kExactlyOnceRecordsFactor
                  : options.max_inflight_records),
      close_timeout_(options.close_timeout) {
  const std::string client_id = "duplex-" + flow.source + "-to-" + config.region;
  const std::string offset_syncs_topic = offsets::offset_syncs_topic(flow.source);
  const std::string progress_topic = offsets::progress_topic(flow.source);
  const bool exactly_once = config.delivery == config::Delivery::exactly_once;

  source_ = std::make_unique<KafkaSource>(flow.source, config.clusters.at(flow.source), group_id_,
                                          config.instance_id, client_id + "-consumer",
                                          flow.topics.refresh, options.commit_timeout, metrics_);
  std::vector<TopicWatcher::InternalTopic> internal = {
      {offset_syncs_topic, {{"cleanup.policy", "compact"}}}};
  if (conflict && config.conflict.audit) {
    internal.push_back({conflict::kAuditTopic, {{"cleanup.policy", "delete"}}});
  }
  if (config.oversized == config::OversizedPolicy::skip) {
    internal.push_back({std::string(kDeadLetterTopic), {{"cleanup.policy", "delete"}}});
  }
  rd_kafka_t* target_handle = nullptr;
  if (exactly_once) {
    // Small segments, so compaction keeps the log that a new owner reads short.
    internal.push_back({progress_topic, {{"cleanup.policy", "compact"}, {"segment.ms", "600000"}}});
    sink_ = std::make_unique<TransactionalSink>(
        TransactionalSink::Settings{config.region, config.home_cluster(), group_id_ + ".",
                                    offset_syncs_topic, progress_topic, config.transaction,
                                    options.flush_timeout, options.admin_timeout},
        metrics_, stop);
    target_client_ = kafka::make_client(config.region, RD_KAFKA_PRODUCER,
                                        kafka::make_conf(config.region, config.home_cluster(),
                                                         {{"client.id", client_id + "-admin"}}));
    target_handle = target_client_.get();
  } else {
    writer_ = std::make_unique<KafkaRecordWriter>(config.region, config.home_cluster(),
                                                  client_id + "-producer", metrics_, stop);
    sink_ = std::make_unique<IdempotentSink>(*writer_, metrics_, config.region, offset_syncs_topic);
    target_handle = writer_->handle();
  }
  source_admin_ = std::make_unique<kafka::TopicAdmin>(source_->handle(), flow.source);
  target_admin_ = std::make_unique<kafka::TopicAdmin>(target_handle, config.region);
  watcher_ = std::make_unique<TopicWatcher>(
      TopicWatcher::Settings{
          metrics_.flow(), flow.topics, config::TopicNamer(flow.rename, flow.source, config.region),
          internal, flow.topics.refresh, options.admin_timeout, options.limits_timeout,
          flow.topics.configs, flow.acls,
          sasl_principals({&config.clusters.at(flow.source), &config.home_cluster()})},
      *source_admin_, *target_admin_, metrics_, &stop);
  lag_ = std::make_unique<LagMonitor>(*source_, metrics_);
  CopyLoopOptions loop_options;
  loop_options.commit_interval = options.commit_interval;
  loop_options.hold_before_pause = options.hold_before_pause;
  loop_options.flush_timeout = options.flush_timeout;
  loop_options.lag_interval = options.lag_interval;
  loop_options.continue_after_source_gap =
      flow.on_source_gap == config::SourceGapPolicy::continue_copying;
  loop_options.oversized = config.oversized;
  if (auto limit = config.home_cluster().find("message.max.bytes");
      limit != config.home_cluster().end()) {
    loop_options.producer_max_bytes = std::stoul(limit->second);  // librdkafka accepted it
  }
  std::set<std::string, std::less<>> regions;
  for (const auto& [region, properties] : config.clusters) regions.insert(region);
  RecordJudge judge(OriginFilter(flow.source, config.region, std::move(regions)));
  if (conflict) {
    if (config.conflict.audit) {
      audit_ = std::make_unique<KafkaConflictAudit>(config, client_id + "-audit", metrics_);
    }
    conflict_stage_ = std::make_unique<ConflictStage>(
        ConflictStage::Parts{config.conflict, conflict->ranks, conflict->index, conflict->readiness,
                             audit_.get()},
        flow.source);
    judge.add_stage(*conflict_stage_);
  }
  loop_ = std::make_unique<CopyLoop>(
      CopyLoop::Parts{*source_, *sink_, *watcher_, budget_, metrics_, lag_.get()}, std::move(judge),
      loop_options, stop);
}

Flow::~Flow() = default;

int Flow::run() {
  if (instance_id_.empty()) {
    spdlog::info("flow {}: starting (group {})", metrics_.flow(), group_id_);
  } else {
    spdlog::info("flow {}: starting (group {}, static member {})", metrics_.flow(), group_id_,
                 instance_id_);
  }
  watcher_->start();
  // The watcher is told to stop as soon as the loop does: a request it is waiting on ends
  // while the loop settles and commits, not after.
  struct StopWatcher {
    TopicWatcher& watcher;
    ~StopWatcher() { watcher.stop(); }
  };
  int code;
  {
    StopWatcher stop_watcher{*watcher_};
    code = loop_->run();
  }
  metrics_.counters().phase = "leaving the group";
  if (auto error = source_->close(close_timeout_)) {
    spdlog::warn("flow {}: {}", metrics_.flow(), error.message());
  } else if (!instance_id_.empty()) {
    // A static member stays in the group: nobody else copies its partitions meanwhile.
    spdlog::info(
        "flow {}: static member {} keeps its partitions until it is back or the "
        "session timeout passes",
        metrics_.flow(), instance_id_);
  }
  metrics_.counters().phase = "stopped";
  return code;
}

}  // namespace duplex::replicator
