#include "replicator/flow.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <future>
#include <stdexcept>

#include "kafka/client_factory.h"
#include "kafka/client_stats.h"
#include "kafka/timestamps.h"
#include "offsets/offset_records.h"
#include "replicator/heartbeat.h"

namespace duplex::replicator {
namespace {

using Clock = std::chrono::steady_clock;

// A delivery token packs the tracker id (24 bits) and the offset relative to the tracker's
// first produced offset (40 bits) into librdkafka's per-message opaque.
constexpr int kOffsetBits = 40;
constexpr uint64_t kOffsetMask = (uint64_t{1} << kOffsetBits) - 1;
constexpr uint32_t kMaxTrackerId = (1u << (64 - kOffsetBits)) - 1;
// Tracker id 0 is never a record's: its tokens mark offset-sync runs, with the tracker id of
// the partition they cover in the low bits.
constexpr uint32_t kOffsetSyncTracker = 0;

void* make_token(uint32_t tracker_id, int64_t relative_offset) {
  return reinterpret_cast<void*>((uint64_t{tracker_id} << kOffsetBits) |
                                 (static_cast<uint64_t>(relative_offset) & kOffsetMask));
}

kafka::Properties with_defaults(kafka::Properties defaults, const kafka::Properties& user) {
  for (const auto& [key, value] : user) defaults[key] = value;
  return defaults;
}

std::string ms_text(std::chrono::milliseconds d) {
  return std::to_string(d.count());
}

int64_t steady_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

Flow::Flow(const config::Config& config, const config::Flow& flow, const std::atomic<bool>& stop,
           metrics::ReplicationMetrics& metrics, FlowOptions options)
    : name_(flow.source + "->" + config.region),
      group_id_(group_id_for(config.region, flow.source)),
      offset_syncs_topic_(offsets::offset_syncs_topic(flow.source)),
      home_(config.region),
      target_props_(config.home_cluster()),
      exactly_once_(config.delivery == config::Delivery::exactly_once),
      transaction_(config.transaction),
      stop_(stop),
      options_(options),
      refresh_interval_(flow.topics.refresh),
      origin_filter_(flow.source, config.region),
      selector_(flow.topics),
      namer_(flow.rename, flow.source, config.region),
      metrics_(metrics),
      latency_(metrics.latency(name_)),
      source_silence_(metrics.source_silence(name_)),
      producer_rtt_(metrics.client_rtt(name_, "producer")),
      consumer_rtt_(metrics.client_rtt(name_, "consumer")),
      producer_queue_(metrics.producer_queue(name_)),
      last_heartbeat_(Clock::now()) {
  const auto& source_props = config.clusters.at(flow.source);
  const auto& target_props = config.home_cluster();

  // Producer: idempotent with acks=all, so retries never duplicate or reorder within a
  // partition. No message timeout by default: a target that is down means back-pressure.
  auto producer_conf = kafka::make_conf(
      config.region, with_defaults({{"linger.ms", "5"}, {"message.timeout.ms", "0"}}, target_props),
      {{"enable.idempotence", "true"},
       {"acks", "all"},
       {"client.id", "duplex-" + flow.source + "-to-" + config.region + "-producer"}});
  rd_kafka_conf_set_opaque(producer_conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(producer_conf.get(), on_delivery);
  rd_kafka_conf_set_error_cb(producer_conf.get(), on_error);
  rd_kafka_conf_set_stats_cb(producer_conf.get(), on_stats);
  producer_ = kafka::make_client(config.region, RD_KAFKA_PRODUCER, std::move(producer_conf));

  // Consumer: commits only what the target acknowledged (never automatically), and reads only
  // committed data, so records of aborted source transactions are never copied.
  auto consumer_conf = kafka::make_conf(
      flow.source,
      with_defaults({{"auto.offset.reset", "earliest"},
                     // About 0.25 s of a fast copy of large records: the fetcher refills
                     // the queue only when the nudger wakes it (every 50 ms).
                     {"queued.max.messages.kbytes", "65536"},
                     {"statistics.interval.ms", "5000"}},
                    source_props),
      {{"group.id", group_id_},
       {"enable.auto.commit", "false"},
       {"enable.auto.offset.store", "false"},
       {"partition.assignment.strategy", "cooperative-sticky"},
       {"isolation.level", "read_committed"},
       {"enable.partition.eof", "false"},
       {"topic.metadata.refresh.interval.ms", ms_text(refresh_interval_)},
       {"client.id", "duplex-" + flow.source + "-to-" + config.region + "-consumer"}});
  rd_kafka_conf_set_opaque(consumer_conf.get(), this);
  rd_kafka_conf_set_rebalance_cb(consumer_conf.get(), on_rebalance);
  rd_kafka_conf_set_offset_commit_cb(consumer_conf.get(), on_commit);
  rd_kafka_conf_set_error_cb(consumer_conf.get(), on_error);
  rd_kafka_conf_set_stats_cb(consumer_conf.get(), on_stats);
  consumer_ = kafka::make_client(flow.source, RD_KAFKA_CONSUMER, std::move(consumer_conf));
  rd_kafka_poll_set_consumer(consumer_.get());  // one queue: errors and rebalances on our thread
  fetch_nudger_ = std::make_unique<kafka::FetchNudger>(consumer_.get(), counters_.records_received);

  source_admin_ = std::make_unique<kafka::TopicAdmin>(consumer_.get(), flow.source);
  target_admin_ = std::make_unique<kafka::TopicAdmin>(producer_.get(), config.region);
  mirror_ = std::make_unique<TopicMirror>(*source_admin_, *target_admin_, options_.admin_timeout);
  if (exactly_once_) {
    progress_reader_ = std::make_unique<kafka::LogReader>(
        config.region, target_props, offsets::progress_topic(flow.source), &stop);
  }
}

Flow::~Flow() = default;

int Flow::run() {
  spdlog::info("flow {}: starting (group {})", name_, group_id_);
  ensure_offset_syncs_topic();
  if (exactly_once_) {
    // Small segments, so compaction keeps the log that a new owner reads short.
    if (auto err = target_admin_->ensure_topic(
            progress_reader_->topic(), 1, {{"cleanup.policy", "compact"}, {"segment.ms", "600000"}},
            options_.admin_timeout)) {
      fail(err.message() + " (exactly-once keeps its progress there)");
    }
  }
  auto next_refresh = Clock::now();
  auto next_commit = Clock::now() + options_.commit_interval;
  auto next_lag = Clock::now() + options_.lag_interval;
  auto next_service = Clock::now();
  while (!stop_.load(std::memory_order_relaxed) && failure_.empty()) {
    auto now = Clock::now();
    counters_.last_loop_ms = steady_ms(now);
    if (now >= next_refresh) {
      refresh_topics();
      next_refresh = Clock::now() + refresh_interval_;
    }
    if (holding_ && !paused_) {
      rd_kafka_poll(producer_.get(), 10);  // records wait in the fetch queue meanwhile
    } else {
      // While paused nothing arrives from the source: wait on acknowledgements instead.
      kafka::MessagePtr message(rd_kafka_consumer_poll(consumer_.get(), paused_ ? 0 : 100));
      if (message) handle(std::move(message));
      rd_kafka_poll(producer_.get(), paused_ ? 100 : 0);
    }
    // Every few milliseconds, not per record: it takes each partition's lock.
    if (exactly_once_ && now >= next_service) {
      service_transactions();
      next_service = now + std::chrono::milliseconds(5);
    }
    apply_backpressure(now);
    if (now >= next_commit) {
      commit(false);
      next_commit = now + options_.commit_interval;
    } else if (commit_due_) {
      commit_offsets(false);  // runs just acknowledged: their offsets need not wait a tick
    }
    if (now >= next_lag) {
      update_lag();
      next_lag = Clock::now() + options_.lag_interval;
    }
  }
  shutdown();
  return failure_.empty() ? 0 : 1;
}

void Flow::handle(kafka::MessagePtr owned) {
  const rd_kafka_message_t* message = owned.get();
  if (message->err) {
    count_error("consume");
    spdlog::warn("flow {}: reading source: {}", name_, rd_kafka_message_errstr(message));
    return;
  }
  counters_.records_received.store(counters_.records_received.load(std::memory_order_relaxed) + 1,
                                   std::memory_order_relaxed);  // one writer: this thread
  std::string topic = rd_kafka_topic_name(message->rkt);
  auto active = active_.find({topic, message->partition});
  if (active == active_.end()) return;  // not ours (any more); the new owner copies it
  uint32_t tracker_id = active->second;
  Tracker& tracker = trackers_.at(tracker_id);
  if (tracker.first_offset < 0) tracker.first_offset = message->offset;
  if (topic == kHeartbeatTopic && message->key_len == origin_filter_.source().size() &&
      std::memcmp(message->key, origin_filter_.source().data(), message->key_len) == 0) {
    last_heartbeat_ = Clock::now();
  }

  rd_kafka_headers_t* headers = nullptr;
  std::optional<std::string_view> origin;
  if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const void* value = nullptr;
    size_t size = 0;
    if (rd_kafka_header_get_last(headers, offsets::kOriginHeader.data(), &value, &size) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      origin = std::string_view(static_cast<const char*>(value), size);
    }
  }
  rd_kafka_headers_t* out = nullptr;  // the copy's headers
  switch (origin_filter_.judge(origin)) {
    case OriginFilter::Verdict::skip_loop:
      counters_.skipped_loop++;
      tracker.metrics->loops->Increment();
      break;
    case OriginFilter::Verdict::skip_other_origin:
      counters_.skipped_other_origin++;
      tracker.metrics->filtered->Increment();
      break;
    case OriginFilter::Verdict::copy:
      out = rd_kafka_headers_copy(headers);
      break;
    case OriginFilter::Verdict::copy_and_stamp: {
      out = headers ? rd_kafka_headers_copy(headers) : rd_kafka_headers_new(1);
      const auto& source = origin_filter_.source();
      rd_kafka_header_add(out, offsets::kOriginHeader.data(),
                          static_cast<ssize_t>(offsets::kOriginHeader.size()), source.data(),
                          static_cast<ssize_t>(source.size()));
      break;
    }
  }
  const bool copy = out != nullptr;
  if (tracker.txn) {
    tracker.txn->push(std::move(owned), kafka::HeadersPtr(out), copy);
  } else if (copy) {
    produce(tracker, tracker_id, message, target_topic_.at(topic).handle.get(), out);
  } else {
    tracker.progress.add_settled(message->offset);  // a skipped record settles at once
  }
}

void Flow::produce(Tracker& tracker, uint32_t tracker_id, const rd_kafka_message_t* message,
                   rd_kafka_topic_t* target_topic, rd_kafka_headers_t* raw_headers) {
  kafka::HeadersPtr headers(raw_headers);
  if (tracker.base_offset < 0) tracker.base_offset = message->offset;
  // Pending before produce: if the write never happens, the commit never passes this record.
  rd_kafka_timestamp_type_t ts_type;
  int64_t timestamp = std::max<int64_t>(0, rd_kafka_message_timestamp(message, &ts_type));
  tracker.progress.add_pending(message->offset, timestamp);
  void* token = make_token(tracker_id, message->offset - tracker.base_offset);
  const size_t bytes = message->len + message->key_len;
  int unknown_partition_retries = 0;
  for (;;) {
    auto err = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_RKT(target_topic), RD_KAFKA_V_PARTITION(message->partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(message->key, message->key_len),
        RD_KAFKA_V_VALUE(message->payload, message->len), RD_KAFKA_V_TIMESTAMP(timestamp),
        RD_KAFKA_V_HEADERS(headers.get()), RD_KAFKA_V_OPAQUE(token), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      headers.release();  // the produced record owns them now
      inflight_bytes_ += bytes;
      inflight_records_++;
      return;
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer_.get(), 50);
      if (stop_.load()) return;  // left pending: not committed, copied again after restart
      continue;
    }
    if (err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION && unknown_partition_retries++ < 20) {
      // The source grew before our refresh did: grow the target, then retry.
      refresh_topics();
      rd_kafka_poll(producer_.get(), 500);
      if (stop_.load()) return;
      continue;
    }
    fail("cannot write " + std::string(rd_kafka_topic_name(message->rkt)) + "[" +
         std::to_string(message->partition) + "]@" + std::to_string(message->offset) + " to " +
         rd_kafka_topic_name(target_topic) + ": " + rd_kafka_err2str(err));
    return;
  }
}

void Flow::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  static_cast<Flow*>(opaque)->delivered(message);
}

void Flow::delivered(const rd_kafka_message_t* message) {
  auto token = reinterpret_cast<uint64_t>(message->_private);
  auto tracker_id = static_cast<uint32_t>(token >> kOffsetBits);
  const bool offset_sync = tracker_id == kOffsetSyncTracker;
  const size_t bytes = message->len + message->key_len;
  if (!offset_sync) {
    inflight_bytes_ -= std::min(inflight_bytes_, bytes);
    inflight_records_ -= std::min<size_t>(inflight_records_, 1);
  }
  if (message->err) {
    // Stays pending (or its partition's commit stays held), so nothing is lost.
    count_error("produce");
    fail("target rejected a record for " + std::string(rd_kafka_topic_name(message->rkt)) + "[" +
         std::to_string(message->partition) + "]: " + rd_kafka_err2str(message->err));
    return;
  }
  if (offset_sync) {
    auto it = trackers_.find(static_cast<uint32_t>(token & kOffsetMask));
    if (it != trackers_.end()) it->second.sync_gate.acknowledged();
    commit_due_ = true;
    counters_.offset_syncs++;
    return;
  }
  auto it = trackers_.find(tracker_id);
  if (it == trackers_.end()) return;
  Tracker& tracker = it->second;
  // The source record's timestamp: the one on a delivery report can be the target's
  // LogAppendTime instead.
  auto timestamp = tracker.progress.settle(
      tracker.base_offset + static_cast<int64_t>(token & kOffsetMask), message->offset);
  if (timestamp) {
    counters_.records_copied++;
    counters_.bytes_copied += bytes;
    tracker.metrics->copied->Increment();
    tracker.metrics->bytes->Increment(static_cast<double>(bytes));
    if (*timestamp > 0)
      latency_.Observe(std::max<int64_t>(0, kafka::now_ms() - *timestamp) / 1000.0);
  }
  for (const auto& copy : tracker.progress.take_settled_copies()) {
    tracker.runs->add(copy.offset, copy.target_offset, copy.timestamp);
  }
  retire_if_drained(tracker_id);
}

void Flow::retire_if_drained(uint32_t tracker_id) {
  auto it = trackers_.find(tracker_id);
  if (it != trackers_.end() && it->second.revoked && it->second.progress.pending() == 0) {
    trackers_.erase(it);
  }
}

void Flow::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<Flow*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    self->assigned(partitions);
  } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    self->revoked(partitions);
  } else {
    spdlog::error("flow {}: rebalance failed: {}", self->name_, rd_kafka_err2str(err));
    kafka::ErrorPtr(rd_kafka_incremental_unassign(rk, partitions));
  }
}

void Flow::assigned(rd_kafka_topic_partition_list_t* partitions) {
  std::vector<uint32_t> fresh;
  for (int i = 0; i < partitions->cnt; ++i) {
    const auto& p = partitions->elems[i];
    uint32_t id = next_tracker_id_;
    next_tracker_id_ = next_tracker_id_ == kMaxTrackerId ? 1 : next_tracker_id_ + 1;
    Tracker& tracker = trackers_[id];
    tracker.topic = p.topic;
    tracker.partition = p.partition;
    tracker.metrics = topic_metrics(p.topic);
    tracker.runs.emplace(p.topic, target_topic_.at(p.topic).name, p.partition);
    tracker.lag = &metrics_.lag(name_, p.topic, p.partition);
    active_[{p.topic, p.partition}] = id;
    fresh.push_back(id);
  }
  if (exactly_once_ && !start_transactions(partitions, fresh)) return;
  if (auto error = kafka::KafkaError::from(rd_kafka_incremental_assign(consumer_.get(), partitions),
                                           "assigning partitions")) {
    fail(error.message());
    return;
  }
  if (paused_) rd_kafka_pause_partitions(consumer_.get(), partitions);
  counters_.assigned_partitions = active_.size();
  counters_.assignment_received = true;
  spdlog::info("flow {}: assigned {} partitions (now {})", name_, partitions->cnt, active_.size());
}

bool Flow::start_transactions(rd_kafka_topic_partition_list_t* partitions,
                              const std::vector<uint32_t>& trackers) {
  // 1. Fence the partitions' earlier owners, in parallel: each is a coordinator round trip or
  //    more, and an earlier owner's open transaction must end first.
  std::vector<std::future<kafka::KafkaError>> fences;
  try {
    for (uint32_t id : trackers) {
      Tracker& t = trackers_.at(id);
      TransactionalPartition::Settings settings;
      settings.home = home_;
      settings.target_props = target_props_;
      settings.transactional_id = group_id_ + "." + t.topic + "." + std::to_string(t.partition);
      settings.source_topic = t.topic;
      settings.target_topic = target_topic_.at(t.topic).name;
      settings.partition = t.partition;
      settings.offset_syncs_topic = offset_syncs_topic_;
      settings.progress_topic = progress_reader_->topic();
      settings.interval = transaction_.interval;
      settings.max_records = transaction_.max_records;
      settings.stop_timeout = options_.flush_timeout;
      TransactionalPartition::Sink sink{t.metrics->copied,
                                        t.metrics->bytes,
                                        &metrics_.errors(name_, "transaction"),
                                        &latency_,
                                        &counters_.records_copied,
                                        &counters_.bytes_copied,
                                        &counters_.offset_syncs};
      t.txn = std::make_unique<TransactionalPartition>(std::move(settings), sink);
      fences.push_back(std::async(std::launch::async, [&t, this] { return t.txn->fence(stop_); }));
    }
  } catch (const std::exception& e) {
    fail(std::string("creating a transactional producer: ") + e.what());
  }
  kafka::KafkaError failed;
  for (auto& fence : fences) {
    if (auto err = fence.get(); err && !failed) failed = err;
  }
  if (!failure_.empty()) return false;
  if (failed) {
    if (!stop_.load()) fail(failed.message());
    return false;
  }
  // 2. Only now is the stored progress final: read what was added since the last assignment.
  auto err = progress_reader_->read_new(
      [&](const rd_kafka_message_t& m) {
        if (!m.payload) return;
        auto progress =
            offsets::decode_progress(std::string_view(static_cast<const char*>(m.payload), m.len));
        if (!progress) {
          count_error("corrupt_record");
          spdlog::warn("flow {}: skipping a corrupt record at {}@{}", name_,
                       progress_reader_->topic(), m.offset);
          return;
        }
        stored_progress_[offsets::progress_key(progress->source_topic, progress->partition)] =
            progress->next_offset;
      },
      options_.admin_timeout);
  if (err) {
    if (!stop_.load()) fail("reading the stored progress: " + err.message());
    return false;
  }
  // 3. Resume each partition there; one without stored progress starts where the source group
  //    committed (e.g. a flow that ran at-least-once before), or per auto.offset.reset.
  for (int i = 0; i < partitions->cnt; ++i) {
    auto& p = partitions->elems[i];
    Tracker& t = trackers_.at(active_.at({p.topic, p.partition}));
    auto stored = stored_progress_.find(offsets::progress_key(p.topic, p.partition));
    int64_t next = stored == stored_progress_.end() ? -1 : stored->second;
    if (next >= 0) p.offset = next;
    t.txn->start(next);
  }
  return true;
}

void Flow::stop_transactions(const std::vector<uint32_t>& trackers, bool commit) {
  for (uint32_t id : trackers) {
    auto& txn = trackers_.at(id).txn;
    if (txn) txn->request_stop(commit);
  }
  for (uint32_t id : trackers) {
    Tracker& t = trackers_.at(id);
    if (!t.txn) continue;
    t.txn->join();
    if (t.txn->state() == TransactionalPartition::State::failed) {
      fail(t.topic + "[" + std::to_string(t.partition) + "]: " + t.txn->failure());
    }
    // Our progress is final for now: the next assignment reads it back, or a newer one.
    if (auto next = t.txn->committed_next(); next >= 0) {
      stored_progress_[offsets::progress_key(t.topic, t.partition)] = next;
    }
  }
}

void Flow::service_transactions() {
  size_t bytes = 0, records = 0;
  for (auto it = active_.begin(); it != active_.end();) {
    Tracker& t = trackers_.at(it->second);
    if (!t.txn) {
      ++it;
      continue;
    }
    if (auto rewind_to = t.txn->rewind_request()) {
      kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
      rd_kafka_topic_partition_list_add(list.get(), t.topic.c_str(), t.partition)->offset =
          *rewind_to;
      if (kafka::ErrorPtr error{rd_kafka_seek_partitions(consumer_.get(), list.get(), 10000)}) {
        fail("rewinding " + t.topic + "[" + std::to_string(t.partition) +
             "]: " + rd_kafka_error_string(error.get()));
        return;
      }
      t.txn->rewound();
    }
    switch (t.txn->state()) {
      case TransactionalPartition::State::failed:
        fail(t.topic + "[" + std::to_string(t.partition) + "]: " + t.txn->failure());
        return;
      case TransactionalPartition::State::fenced: {
        // A zombie: the partition has a new owner. Ours copies nothing more of it; the
        // rebalance that tells this consumer so comes later.
        spdlog::warn("flow {}: {}[{}] was taken over by another worker", name_, t.topic,
                     t.partition);
        uint32_t id = it->second;
        it = active_.erase(it);
        t.txn->join();
        if (t.lag) metrics_.remove_lag(*t.lag);
        trackers_.erase(id);
        counters_.assigned_partitions = active_.size();
        continue;
      }
      default:
        break;
    }
    bytes += t.txn->queued_bytes();
    records += t.txn->queued_records();
    ++it;
  }
  inflight_bytes_ = bytes;
  inflight_records_ = records;
}

void Flow::revoked(rd_kafka_topic_partition_list_t* partitions) {
  const bool lost = rd_kafka_assignment_lost(consumer_.get());
  if (exactly_once_) {
    std::vector<uint32_t> ending;
    for (int i = 0; i < partitions->cnt; ++i) {
      auto it = active_.find({partitions->elems[i].topic, partitions->elems[i].partition});
      if (it != active_.end()) ending.push_back(it->second);
    }
    // Lost: another worker may own them already; what is open is aborted, never committed.
    stop_transactions(ending, !lost);
    if (!lost) commit(true);
  } else if (!lost) {
    // Settle what is in flight, then commit it while the partitions are still ours.
    rd_kafka_flush(producer_.get(), static_cast<int>(options_.flush_timeout.count()));
    commit(true);
  }
  for (int i = 0; i < partitions->cnt; ++i) {
    auto it = active_.find({partitions->elems[i].topic, partitions->elems[i].partition});
    if (it == active_.end()) continue;
    uint32_t id = it->second;
    active_.erase(it);
    Tracker& tracker = trackers_.at(id);
    tracker.revoked = true;
    metrics_.remove_lag(*tracker.lag);  // another member reports it now
    tracker.lag = nullptr;
    retire_if_drained(id);
  }
  kafka::ErrorPtr(rd_kafka_incremental_unassign(consumer_.get(), partitions));
  counters_.assigned_partitions = active_.size();
  spdlog::info("flow {}: {} {} partitions (now {})", name_, lost ? "lost" : "revoked",
               partitions->cnt, active_.size());
}

void Flow::commit(bool sync) {
  if (!exactly_once_) {
    for (auto& [tp, id] : active_) {
      Tracker& tracker = trackers_.at(id);
      size_t written = write_offset_syncs(id, tracker);
      if (auto next = tracker.progress.next_commit()) tracker.sync_gate.mark(*next, written);
    }
    if (sync) rd_kafka_flush(producer_.get(), static_cast<int>(options_.flush_timeout.count()));
  }
  commit_offsets(sync);
}

void Flow::commit_offsets(bool sync) {
  commit_due_ = false;
  kafka::PartitionListPtr offsets(
      rd_kafka_topic_partition_list_new(static_cast<int>(active_.size())));
  for (const auto& [tp, id] : active_) {
    const Tracker& tracker = trackers_.at(id);
    // Exactly-once: the source group follows the stored progress, which is what counts.
    auto next = tracker.txn ? std::optional<int64_t>(tracker.txn->committed_next())
                            : tracker.sync_gate.committable();
    if (next && *next < 0) continue;
    if (next && next != tracker.committed) {
      rd_kafka_topic_partition_list_add(offsets.get(), tp.first.c_str(), tp.second)->offset = *next;
    }
  }
  if (offsets->cnt == 0) return;
  auto err = rd_kafka_commit(consumer_.get(), offsets.get(), sync ? 0 : 1);
  if (err) {
    count_error("commit");
    spdlog::warn("flow {}: committing source offsets: {}", name_, rd_kafka_err2str(err));
  } else if (sync) {
    on_commit(consumer_.get(), err, offsets.get(), this);
  }
}

size_t Flow::write_offset_syncs(uint32_t tracker_id, Tracker& tracker) {
  auto runs = tracker.runs->take_changed();
  for (const auto& run : runs) {
    std::string key = offsets::run_key(run);
    std::string value = offsets::encode(run);
    for (;;) {
      auto err = rd_kafka_producev(
          producer_.get(), RD_KAFKA_V_TOPIC(offset_syncs_topic_.c_str()), RD_KAFKA_V_PARTITION(0),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key.data(), key.size()),
          RD_KAFKA_V_VALUE(value.data(), value.size()),
          RD_KAFKA_V_OPAQUE(make_token(kOffsetSyncTracker, tracker_id)), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !stop_.load()) {
        rd_kafka_poll(producer_.get(), 50);
        continue;
      }
      // Unwritten, its partition's commit stays held: re-copied after a restart, never lost.
      fail("cannot write an offset sync to " + offset_syncs_topic_ + ": " + rd_kafka_err2str(err));
      return 0;
    }
  }
  return runs.size();
}

void Flow::ensure_offset_syncs_topic() {
  // One partition keeps every run in the order it was written (closed runs before the next).
  if (auto err = target_admin_->ensure_topic(
          offset_syncs_topic_, 1, {{"cleanup.policy", "compact"}}, options_.admin_timeout)) {
    count_error("admin");
    spdlog::warn("flow {}: {} (offset syncs wait for it)", name_, err.message());
  }
}

void Flow::on_commit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets,
                     void* opaque) {
  auto* self = static_cast<Flow*>(opaque);
  if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    spdlog::warn("flow {}: source offset commit failed: {} (retried on the next commit)",
                 self->name_, rd_kafka_err2str(err));
  }
  for (int i = 0; i < offsets->cnt; ++i) {
    const auto& p = offsets->elems[i];
    auto it = self->active_.find({p.topic, p.partition});
    if (p.err == RD_KAFKA_RESP_ERR_NO_ERROR && it != self->active_.end()) {
      auto& committed = self->trackers_.at(it->second).committed;
      committed = std::max(committed.value_or(p.offset), p.offset);
    }
  }
}

void Flow::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<Flow*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char detail[512];
    rd_kafka_fatal_error(rk, detail, sizeof detail);
    self->fail(std::string("fatal error in ") + rd_kafka_name(rk) + ": " + detail);
    return;
  }
  self->count_error("client");
  spdlog::warn("flow {}: {}: {} ({})", self->name_, rd_kafka_name(rk), reason,
               rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)));
}

int Flow::on_stats(rd_kafka_t* rk, char* json, size_t json_len, void* opaque) {
  auto* self = static_cast<Flow*>(opaque);
  auto stats = kafka::parse_client_stats(std::string_view(json, json_len));
  spdlog::trace("flow {}: {} statistics: {}", self->name_, rd_kafka_name(rk),
                std::string_view(json, json_len));
  bool producer = rd_kafka_type(rk) == RD_KAFKA_PRODUCER;
  if (stats.max_broker_rtt_seconds >= 0) {
    (producer ? self->producer_rtt_ : self->consumer_rtt_).Set(stats.max_broker_rtt_seconds);
  }
  if (producer && stats.queued_messages >= 0) {
    self->producer_queue_.Set(static_cast<double>(stats.queued_messages));
  }
  return 0;  // librdkafka frees the document
}

void Flow::refresh_topics() {
  auto source = source_admin_->list_topics(options_.admin_timeout);
  auto target = target_admin_->list_topics(options_.admin_timeout);
  for (auto* result : {&source, &target}) {
    if (auto* e = std::get_if<kafka::KafkaError>(result)) {
      count_error("admin");
      spdlog::warn("flow {}: topic refresh skipped: {}", name_, e->message());
      return;
    }
  }
  counters_.last_refresh_ok_ms = steady_ms(Clock::now());
  std::vector<std::string> ready;
  for (const auto& [topic, partitions] : std::get<0>(source)) {
    if (!selector_.selects(topic)) continue;
    std::string target_topic = namer_.target_topic(topic);
    if (auto err = mirror_->ensure(topic, partitions, target_topic, std::get<0>(target))) {
      // Logged once per distinct error; the topic is retried at every refresh.
      if (mirror_errors_[topic] != err.message()) {
        spdlog::error("flow {}: topic {} not replicated yet: {}", name_, topic, err.message());
        mirror_errors_[topic] = err.message();
      }
      // A topic already being copied keeps going (e.g. only the partition growth failed).
      if (!std::binary_search(subscribed_.begin(), subscribed_.end(), topic)) continue;
    } else {
      mirror_errors_.erase(topic);
    }
    auto& target_entry = target_topic_[topic];
    if (target_entry.name != target_topic || !target_entry.handle) {
      target_entry.handle.reset(rd_kafka_topic_new(producer_.get(), target_topic.c_str(), nullptr));
      target_entry.name = target_topic;
    }
    ready.push_back(topic);
  }
  if (ready != subscribed_) subscribe(ready);
}

void Flow::subscribe(const std::vector<std::string>& topics) {
  subscribed_ = topics;
  if (topics.empty()) {
    rd_kafka_unsubscribe(consumer_.get());
    spdlog::info("flow {}: no matching topics on the source yet", name_);
    return;
  }
  kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& t : topics) {
    rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (auto err = rd_kafka_subscribe(consumer_.get(), list.get())) {
    fail(std::string("subscribing to source topics: ") + rd_kafka_err2str(err));
    return;
  }
  spdlog::info("flow {}: copying {} topics", name_, topics.size());
}

// Over the bound, the loop first only holds: it stops taking records and waits on
// acknowledgements while fetched records wait in librdkafka's bounded queue. Pausing the fetch
// is kept for a target that stays behind, because librdkafka drops the records it prefetched
// for a paused partition and fetches them again on resume, and because a consumer that is not
// polled cannot serve a rebalance.
void Flow::apply_backpressure(Clock::time_point now) {
  bool over = inflight_bytes_ > options_.max_inflight_bytes ||
              inflight_records_ > options_.max_inflight_records;
  bool under = inflight_bytes_ <= options_.max_inflight_bytes / 2 &&
               inflight_records_ <= options_.max_inflight_records / 2;
  if (!holding_ && over) {
    holding_ = true;
    holding_since_ = now;
  } else if (holding_ && under) {
    holding_ = false;
    if (paused_) set_paused(false);
  } else if (holding_ && !paused_ && now - holding_since_ >= options_.hold_before_pause) {
    set_paused(true);
  }
}

void Flow::set_paused(bool paused) {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(consumer_.get(), &raw)) return;
  kafka::PartitionListPtr assignment(raw);
  if (paused) {
    rd_kafka_pause_partitions(consumer_.get(), assignment.get());
    spdlog::info("flow {}: target is behind ({} records, {} KiB unacknowledged): pausing fetch",
                 name_, inflight_records_, inflight_bytes_ / 1024);
  } else {
    rd_kafka_resume_partitions(consumer_.get(), assignment.get());
    spdlog::info("flow {}: target caught up: resuming fetch", name_);
  }
  paused_ = paused;
}

void Flow::shutdown() {
  spdlog::info("flow {}: stopping", name_);
  if (exactly_once_) {
    std::vector<uint32_t> all;
    for (const auto& [tp, id] : active_) all.push_back(id);
    stop_transactions(all, true);
  }
  if (rd_kafka_flush(producer_.get(), static_cast<int>(options_.flush_timeout.count())) ==
      RD_KAFKA_RESP_ERR__TIMED_OUT) {
    spdlog::warn(
        "flow {}: {} records still unacknowledged after {} ms; their source offsets stay "
        "uncommitted and they will be copied again after restart",
        name_, rd_kafka_outq_len(producer_.get()), options_.flush_timeout.count());
  }
  commit(true);
  fetch_nudger_.reset();
  if (auto err = rd_kafka_consumer_close(consumer_.get())) {
    spdlog::warn("flow {}: closing the source consumer: {}", name_, rd_kafka_err2str(err));
  }
  spdlog::info("flow {}: stopped ({} records copied, {} loops skipped)", name_,
               counters_.records_copied.load(), counters_.skipped_loop.load());
}

Flow::TopicMetrics* Flow::topic_metrics(const std::string& topic) {
  auto [it, inserted] = topic_metrics_.try_emplace(topic);
  if (inserted) {
    it->second = {&metrics_.records_copied(name_, topic), &metrics_.bytes_copied(name_, topic),
                  &metrics_.records_skipped(name_, topic, "loop"),
                  &metrics_.records_skipped(name_, topic, "filtered")};
  }
  return &it->second;
}

void Flow::count_error(const char* kind) {
  counters_.errors++;
  metrics_.errors(name_, kind).Increment();
}

void Flow::update_lag() {
  source_silence_.Set(std::chrono::duration<double>(Clock::now() - last_heartbeat_).count());
  for (const auto& [tp, id] : active_) {
    Tracker& tracker = trackers_.at(id);
    int64_t low = -1, high = -1;
    // Fetches keep the cached watermarks fresh; a paused partition does not fetch, so ask the
    // broker, or the lag of a stalled flow would freeze instead of growing.
    if (paused_) {
      rd_kafka_query_watermark_offsets(consumer_.get(), tp.first.c_str(), tp.second, &low, &high,
                                       1000);
    } else {
      rd_kafka_get_watermark_offsets(consumer_.get(), tp.first.c_str(), tp.second, &low, &high);
    }
    if (high < 0) continue;
    // Next offset to copy: after the settled prefix (acknowledged by the target), not after
    // what was merely consumed, so a target that is down shows as growing lag.
    int64_t next = tracker.txn ? tracker.txn->committed_next()
                               : tracker.progress.next_commit().value_or(tracker.first_offset);
    if (next < 0) next = tracker.first_offset;
    if (next < 0) {  // nothing consumed yet in this assignment
      kafka::PartitionListPtr position(rd_kafka_topic_partition_list_new(1));
      rd_kafka_topic_partition_list_add(position.get(), tp.first.c_str(), tp.second);
      rd_kafka_position(consumer_.get(), position.get());
      next = position->elems[0].offset >= 0 ? position->elems[0].offset : high;
    }
    tracker.lag->Set(static_cast<double>(std::max<int64_t>(0, high - next)));
  }
}

void Flow::fail(const std::string& reason) {
  if (!failure_.empty()) return;
  failure_ = reason;
  spdlog::error("flow {}: {}", name_, reason);
}

}  // namespace duplex::replicator
