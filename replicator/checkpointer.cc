#include "replicator/checkpointer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <future>
#include <set>
#include <thread>

#include "kafka/client_factory.h"
#include "kafka/produce.h"
#include "kafka/timestamps.h"
#include "kafka/watermarks.h"
#include "offsets/group_sync.h"

namespace duplex::replicator {
namespace {

using Clock = std::chrono::steady_clock;

// Reading a gap is bounded per read and per round: an open transaction on the target holds a
// read back until it ends, and a round waits for at most one such read.
constexpr std::chrono::milliseconds kGapReadTimeout{2000};
constexpr size_t kGapReadsPerRound = 32;
// Gaps found to hold a record are remembered so as not to be read again; in active-active a
// new one comes with each local record a group stops at. Past this many, they are forgotten.
constexpr size_t kGapsWithRecordsKept = 100000;

// `owner` (when given) receives the delivery reports of what the client writes.
kafka::HandlePtr admin_client(const std::string& cluster, const kafka::Properties& props,
                              const std::string& client_id, Checkpointer* owner = nullptr,
                              void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*,
                                                  void*) = nullptr) {
  auto conf = kafka::make_conf(
      cluster, props, {{"enable.idempotence", "true"}, {"acks", "all"}, {"client.id", client_id}});
  if (owner) {
    rd_kafka_conf_set_opaque(conf.get(), owner);
    rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  }
  return kafka::make_client(cluster, RD_KAFKA_PRODUCER, std::move(conf));
}

// Groups whose committed offsets are read at once: a read is a consumer of the group (a
// connection and two round trips), so 1,000 groups one after the other took longer than a
// checkpoint interval.
constexpr size_t kParallelGroupReads = 16;

void* batch_tag(uint64_t batch) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>(batch));
}

}  // namespace

Checkpointer::Checkpointer(const config::Config& config, const config::Flow& flow,
                           const std::atomic<bool>& stop, metrics::ReplicationMetrics& metrics,
                           std::vector<std::string> named_groups)
    : name_(flow.source + "->" + config.region),
      home_(config.region),
      source_(flow.source),
      stop_(stop),
      interval_(config.checkpoint_interval),
      timeout_(std::clamp<std::chrono::milliseconds>(
          config.checkpoint_interval, std::chrono::seconds(5), std::chrono::seconds(10))),
      sync_groups_(flow.groups.sync),
      topics_(flow.topics),
      groups_(flow.groups),
      named_groups_(std::move(named_groups)),
      namer_(flow.rename, flow.source, config.region),
      checkpoints_topic_(offsets::checkpoints_topic(flow.source)),
      source_client_(
          admin_client(flow.source, config.clusters.at(flow.source),
                       "duplex-" + flow.source + "-to-" + config.region + "-checkpoints")),
      target_client_(admin_client(config.region, config.home_cluster(),
                                  "duplex-" + flow.source + "-to-" + config.region + "-checkpoints",
                                  this, &Checkpointer::on_delivery)),
      source_groups_admin_(source_client_.get(), flow.source, config.clusters.at(flow.source),
                           &stop),
      target_groups_admin_(target_client_.get(), config.region, config.home_cluster(), &stop),
      source_topics_admin_(source_client_.get(), flow.source),
      target_topics_admin_(target_client_.get(), config.region),
      forward_reader_(config.region, config.home_cluster(),
                      offsets::offset_syncs_topic(flow.source), &stop),
      reverse_reader_(flow.source, config.clusters.at(flow.source),
                      offsets::offset_syncs_topic(config.region), &stop),
      gaps_(config.region, config.home_cluster(),
            {kGapReadsPerRound, kGapReadTimeout, kGapsWithRecordsKept},
            {.empty =
                 [this](const std::string& target_topic, int32_t partition, int64_t from,
                        int64_t to) {
                   spdlog::info(
                       "checkpoints {}: {}[{}] offsets {}..{} hold no record (transaction "
                       "markers, aborted or compacted records); translation steps over them",
                       name_, target_topic, partition, from, to - 1);
                 },
             .failed =
                 [this](const std::string& target_topic, int32_t partition,
                        const kafka::KafkaError& error) {
                   warn_once("gap " + target_topic + "[" + std::to_string(partition) + "]",
                             error.message() +
                                 "; translations stop there (the records after it counted as "
                                 "re-read) until it is read");
                 }},
            &stop),
      metrics_(metrics),
      corrupt_(metrics.errors(name_, "corrupt_record")),
      round_(metrics.checkpoint_round(name_)),
      write_errors_(metrics.errors(name_, "checkpoint")) {}

void Checkpointer::run() {
  spdlog::info("checkpoints {}: every {} ms into {} on {}", name_, interval_.count(),
               checkpoints_topic_, home_);
  auto next = Clock::now();
  while (!stop_.load()) {
    if (Clock::now() >= next) {  // a round every interval, or right after one that took longer
      next = Clock::now() + interval_;
      round();
    }
    phase_ = "waiting for the next round";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  phase_ = "stopped";
}

bool Checkpointer::round() {
  const auto start = Clock::now();
  round_groups_ = 0;
  const bool read = write_checkpoints();
  update_ages();  // they keep growing while nothing is written
  if (!read) return false;
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  round_.Observe(std::chrono::duration<double>(took).count());
  // A round longer than the interval delays the next: checkpoints age more than configured.
  const auto level = took > interval_ ? spdlog::level::warn : spdlog::level::debug;
  spdlog::log(level, "checkpoints {}: a round of {} group(s) took {} ms (interval {} ms)", name_,
              round_groups_, took.count(), interval_.count());
  return true;
}

bool Checkpointer::write_checkpoints() {
  if (!topic_ready_) {
    auto err = target_topics_admin_.ensure_topic(checkpoints_topic_, 1,
                                                 {{"cleanup.policy", "compact"}}, timeout_);
    if (err) {
      warn_once("topic", err.message());
      return false;
    }
    topic_ready_ = true;
  }
  phase_ = "listing topics";
  auto source_topics = list_topics(source_topics_admin_);
  auto target_topics = list_topics(target_topics_admin_);
  if (!source_topics || !target_topics || stop_.load()) return false;
  std::map<std::string, int> copied;  // the source topics this flow copies
  for (const auto& [topic, partitions] : *source_topics) {
    if (topics_.selects(topic)) copied[topic] = partitions;
  }
  // 1. What the source's groups have consumed, and 2. how far this flow and the reverse one got:
  // three reads at once, since each costs a new consumer's few round trips, over the link for
  // the source's (14 round trips a round one after the other: 1.4 s at 100 ms).
  phase_ = "reading the source groups' offsets";
  auto own = std::async(std::launch::async, [&] {
    return source_groups_admin_.committed(offsets::flow_group_id(home_, source_), copied, timeout_);
  });
  auto reverse = std::async(std::launch::async, [&] {
    return target_groups_admin_.committed(offsets::flow_group_id(source_, home_), *target_topics,
                                          timeout_);
  });
  auto groups = read_source_groups(copied);
  const auto own_commits = own.get();
  const auto reverse_commits = reverse.get();
  if (!groups || stop_.load()) return false;
  round_groups_ = groups->size();
  // The reverse flow's progress through the home cluster's partitions.
  if (const auto* e = std::get_if<kafka::KafkaError>(&reverse_commits)) {
    warn_once("reverse", e->message());
    return false;
  }
  const kafka::GroupOffsets& reverse_committed = std::get<0>(reverse_commits);
  // How far this flow got through the source (loops skipped included): the rest is at risk.
  kafka::GroupOffsets copied_through;
  if (const auto* offsets = std::get_if<kafka::GroupOffsets>(&own_commits)) {
    copied_through = *offsets;
    warned_.erase("own");
  } else {  // the runs alone still bound it from below: the loss reported is never smaller
    warn_once("own", std::get<kafka::KafkaError>(own_commits).message());
  }
  // 3. Runs, read after both.
  if (stop_.load()) return false;
  phase_ = "reading offset syncs";
  const bool forward_read = read_runs(forward_reader_, forward_);
  const bool reverse_read = read_runs(reverse_reader_, reverse_);
  if (!forward_read || !reverse_read) return false;  // the next round reads on from there
  // The source's ends last, all in one request, and the checkpoints' time is when they were
  // asked for: what was copied then is known from the runs and commits read before it, so
  // the records at risk (and how old the oldest of them is) are never understated. Over a slow
  // link a request per partition took long enough for the copies to overtake the time.
  phase_ = "reading the source's ends";
  const int64_t read_at = kafka::now_ms();
  const kafka::PartitionEnds ends = source_ends(*groups);
  phase_ = "writing checkpoints";
  gaps_.new_budget();

  // 4. Translate and write: every group's records first, then one wait for all their
  // acknowledgements (a wait per group cost a produce round trip per group).
  struct Batch {
    const std::string* group = nullptr;
    size_t wanted = 0;  // checkpoints of the group this round
    std::string produce_error;
    kafka::GroupOffsets translated;
  };
  std::vector<Batch> batches;
  batches.reserve(groups->size());
  acks_.assign(groups->size(), Acks());
  reported_ = 0;
  first_batch_ = batch_ + 1;  // from here on, reports of this round's records count
  batch_ += groups->size();
  size_t queued = 0;
  for (const auto& [group, committed] : *groups) {
    if (stop_.load()) return true;  // the rest at the next start
    Batch& batch = batches.emplace_back();
    batch.group = &group;
    for (const auto& [tp, upstream] : committed) {
      const auto& [topic, partition] = tp;
      if (!target_topics->count(namer_.target_topic(topic))) continue;  // nowhere to move to
      // Nothing copied or passed there yet: where the group's records will land is unknown.
      if (upstream > 0 && !forward_.newest(topic, partition) && !copied_through.count(tp)) {
        continue;
      }
      batch.wanted++;
      offsets::Checkpoint c;
      c.group = group;
      c.source_topic = topic;
      c.target_topic = namer_.target_topic(topic);
      c.partition = partition;
      c.upstream = upstream;
      std::optional<int64_t> reverse_at;
      if (auto it = reverse_committed.find({c.target_topic, partition});
          it != reverse_committed.end()) {
        reverse_at = it->second;
      }
      auto t = translate(topic, c.target_topic, partition, upstream, reverse_at);
      c.target = t.target;
      c.copied_target = t.copied_target;
      c.local_target = t.local_target;
      c.local_rereads = t.local_rereads;
      c.time_ms = read_at;
      const auto end = ends.find(tp);
      c.source_end = end == ends.end() ? -1 : end->second;
      if (auto newest = forward_.newest(topic, partition)) {
        c.copied_end = newest->source_end();
        c.at_risk_since = newest->last_timestamp;
      }
      if (auto it = copied_through.find(tp); it != copied_through.end()) {
        c.copied_end = std::max(c.copied_end, it->second);
      }
      c.at_risk_since = std::max(c.at_risk_since, source_ends_.appended_after(tp, c.copied_end));
      const std::string key = offsets::checkpoint_key(c);
      const std::string value = offsets::encode(c);
      kafka::OutgoingRecord record;
      record.topic = checkpoints_topic_.c_str();
      record.partition = 0;
      record.key = key.data();
      record.key_len = key.size();
      record.value = value.data();
      record.value_len = value.size();
      record.opaque = batch_tag(first_batch_ + batches.size() - 1);
      if (auto err = kafka::produce(target_client_.get(), record, &stop_)) {
        if (batch.produce_error.empty()) batch.produce_error = rd_kafka_err2str(err);
        continue;
      }
      queued++;
      batch.translated[{c.target_topic, partition}] = c.target;
    }
  }
  for (const auto& [tp, end] : ends) source_ends_.add(tp, read_at, end);  // for later rounds
  await_acks(queued);
  for (size_t i = 0; i < batches.size(); ++i) {
    const Batch& batch = batches[i];
    const Acks& acks = acks_[i];
    const std::string& group = *batch.group;
    // A checkpoint counts once the target acknowledged it; the group's age and groups.sync
    // move only when all of its checkpoints of this round were.
    written_ += acks.acked;
    if (batch.wanted == 0) continue;
    const size_t unacknowledged = batch.wanted - acks.acked;
    if (unacknowledged > 0 && stop_.load()) return true;  // not awaited: stopping, no failure
    if (unacknowledged > 0) {
      write_errors_.Increment(static_cast<double>(unacknowledged));
      const std::string cause = !acks.error.empty()            ? acks.error
                                : !batch.produce_error.empty() ? batch.produce_error
                                                               : "no acknowledgement in time";
      warn_once("write " + group,
                "group " + group + ": " + std::to_string(unacknowledged) + " of " +
                    std::to_string(batch.wanted) + " checkpoint(s) not acknowledged by " + home_ +
                    " in " + checkpoints_topic_ + " (" + cause +
                    "); the group's checkpoint age and groups.sync wait for a round that is");
      continue;
    }
    warned_.erase("write " + group);
    last_written_[group] = Clock::now();
    // 5.
    if (sync_groups_ && !batch.translated.empty()) sync_group(group, batch.translated);
  }
  return true;
}

void Checkpointer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto& self = *static_cast<Checkpointer*>(opaque);
  // A report of an earlier round's record that was not acknowledged in its time: not counted.
  const auto batch = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(m->_private));
  if (batch < self.first_batch_ || batch - self.first_batch_ >= self.acks_.size()) return;
  Acks& acks = self.acks_[batch - self.first_batch_];
  self.reported_++;
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    acks.acked++;
  } else {
    acks.failed++;
    if (acks.error.empty()) acks.error = rd_kafka_err2str(m->err);
  }
}

void Checkpointer::await_acks(size_t queued) {
  // A round's records were all queued before this wait: one timeout for all of them.
  const auto deadline = Clock::now() + timeout_;
  while (reported_ < queued && Clock::now() < deadline && !stop_.load()) {
    rd_kafka_poll(target_client_.get(), 100);  // serves the delivery reports
  }
}

std::optional<std::map<std::string, int>> Checkpointer::list_topics(kafka::TopicAdmin& admin) {
  auto topics = admin.list_topics(timeout_);
  if (auto* e = std::get_if<kafka::KafkaError>(&topics)) {
    warn_once("topics", e->message());
    return std::nullopt;
  }
  return std::get<0>(topics);
}

std::optional<std::map<std::string, kafka::GroupOffsets>> Checkpointer::read_source_groups(
    const std::map<std::string, int>& topics) {
  std::vector<std::string> names = named_groups_;
  if (names.empty()) {
    auto listed = source_groups_admin_.list_groups(timeout_);
    if (auto* e = std::get_if<kafka::KafkaError>(&listed)) {
      warn_once("groups", e->message());
      return std::nullopt;
    }
    names = std::get<0>(listed);
  }
  std::erase_if(names, [&](const std::string& group) { return !groups_.selects(group); });
  auto committed = source_groups_admin_.committed(names, topics, timeout_, kParallelGroupReads);
  if (auto* e = std::get_if<kafka::KafkaError>(&committed)) {
    warn_once("groups", e->message());
    return std::nullopt;
  }
  warned_.erase("groups");
  return std::move(std::get<0>(committed));
}

bool Checkpointer::read_runs(kafka::LogReader& reader, offsets::OffsetIndex& index) {
  auto err = reader.read_new(
      [&](const rd_kafka_message_t& m) {
        auto run = offsets::decode_run(
            std::string_view(static_cast<const char*>(m.payload), m.payload ? m.len : 0));
        if (run) {
          index.add(*run);
        } else if (m.payload) {  // a tombstone is no corruption
          corrupt_.Increment();
          spdlog::warn("checkpoints {}: skipping a corrupt record at {}[{}]@{}", name_,
                       reader.topic(), m.partition, m.offset);
        }
      },
      timeout_);
  // No reverse flow (its topic is missing) is normal: a passive standby.
  if (err && err.code() != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    warn_once(reader.topic(), err.message() + " (no checkpoints until it is read to its end)");
    return false;
  }
  warned_.erase(reader.topic());
  return true;
}

kafka::PartitionEnds Checkpointer::source_ends(
    const std::map<std::string, kafka::GroupOffsets>& groups) {
  kafka::PartitionEnds ends;
  if (stop_.load()) return ends;  // unknown: not worth a wait while stopping
  std::set<TopicPartition> wanted;
  for (const auto& [group, committed] : groups) {
    for (const auto& [tp, offset] : committed) wanted.insert(tp);
  }
  auto err = kafka::query_high_watermarks(source_client_.get(),
                                          std::vector<TopicPartition>(wanted.begin(), wanted.end()),
                                          &ends, timeout_);
  if (err) ends.clear();
  std::string missing;
  for (const auto& tp : wanted) {
    if (!ends.count(tp))
      missing += (missing.empty() ? "" : ", ") + tp.first + "[" + std::to_string(tp.second) + "]";
  }
  if (missing.empty()) {
    warned_.erase("watermarks");
  } else {
    warn_once("watermarks", "cluster " + source_ + ": high watermarks of " + missing + ": " +
                                (err ? rd_kafka_err2str(err) : "not answered") +
                                " (their checkpoints record the source's end as unknown)");
  }
  return ends;
}

offsets::Translation Checkpointer::translate(const std::string& topic,
                                             const std::string& target_topic, int32_t partition,
                                             int64_t upstream, std::optional<int64_t> reverse_at) {
  return gaps_.translate(
      forward_, topic, target_topic, partition,
      [&] {
        return offsets::translate(forward_, {&reverse_, reverse_at}, topic, target_topic, partition,
                                  upstream);
      },
      // A record of the target's own that the reverse flow copied: no need to read it.
      [&](int64_t from) { return reverse_.run_with(target_topic, partition, from).has_value(); });
}

void Checkpointer::sync_group(const std::string& group, const kafka::GroupOffsets& translated) {
  auto members = target_groups_admin_.members(group, timeout_);
  if (auto* e = std::get_if<kafka::KafkaError>(&members)) {
    warn_once("sync " + group, e->message());
    return;
  }
  if (std::get<int>(members) > 0) return;  // in use on the home cluster: never touched
  std::map<std::string, int> topics;
  for (const auto& [tp, offset] : translated) {
    topics[tp.first] = std::max(topics[tp.first], tp.second + 1);
  }
  auto current = target_groups_admin_.committed(group, topics, timeout_);
  if (auto* e = std::get_if<kafka::KafkaError>(&current)) {
    warn_once("sync " + group, e->message());
    return;
  }
  const kafka::GroupOffsets forward = offsets::forward_moves(translated, std::get<0>(current));
  if (forward.empty()) return;
  if (auto err = target_groups_admin_.alter(group, forward, timeout_)) {
    warn_once("sync " + group, err.message());
    return;
  }
  spdlog::info("checkpoints {}: group {} moved forward on {} partitions of {}", name_, group,
               forward.size(), home_);
}

void Checkpointer::update_ages() {
  for (const auto& [group, at] : last_written_) {
    metrics_.checkpoint_age(name_, group)
        .Set(std::chrono::duration<double>(Clock::now() - at).count());
  }
}

void Checkpointer::warn_once(const std::string& what, const std::string& message) {
  if (warned_[what] == message) return;
  warned_[what] = message;
  spdlog::warn("checkpoints {}: {}", name_, message);
}

}  // namespace duplex::replicator
