#include "replicator/copy_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <iterator>

#include "kafka/timestamps.h"
#include "offsets/offset_records.h"
#include "replicator/dead_letter.h"
#include "replicator/heartbeat.h"

namespace duplex::replicator {
namespace {

using std::chrono::milliseconds;

// How long one turn waits for a record, or (holding, or with every partition paused) for
// acknowledgements.
constexpr milliseconds kPollWait{100};
constexpr milliseconds kHoldWait{10};
// How often the sink is asked for news (ready, rewind, fenced, failed, commit due).
constexpr milliseconds kEventsInterval{1};
// Every so often the commit carries every partition's offset, changed or not: an older commit
// that librdkafka retried or deferred may land after a newer one and set the group back, and
// an idle flow would otherwise never say it again.
constexpr milliseconds kFullCommitInterval{10000};

}  // namespace

CopyLoop::CopyLoop(Parts parts, RecordJudge judge, CopyLoopOptions options,
                   const std::atomic<bool>& stop)
    : source_(parts.source),
      sink_(parts.sink),
      topics_(parts.topics),
      budget_(parts.budget),
      metrics_(parts.metrics),
      lag_(parts.lag),
      judge_(std::move(judge)),
      options_(options),
      stop_(stop),
      backpressure_(budget_, options.hold_before_pause),
      smallest_limit_(options.producer_max_bytes) {
  source_.set_listener(this);
}

int CopyLoop::run() {
  metrics_.counters().phase = "copying";
  while (!stop_.load(std::memory_order_relaxed) && failure_.empty()) turn(Clock::now());
  finish();
  return failure_.empty() ? 0 : 1;
}

void CopyLoop::turn(Clock::time_point now) {
  now_ = now;
  if (!next_commit_) next_commit_ = now + options_.commit_interval;
  if (!next_lag_) next_lag_ = now + options_.lag_interval;
  metrics_.counters().last_loop_ms = kafka::steady_ms(now);
  if (auto plan = topics_.take_plan()) apply_plan(std::move(*plan));
  if (now >= next_events_) {  // not per record: a sink may take locks to answer
    take_sink_events();
    if (auto why = topics_.refused()) fail(*why);
    next_events_ = now + kEventsInterval;
  }
  if (any_waiting_) advance_waiting();
  const bool paused = backpressure_.fetch_paused();
  if (backpressure_.holding() && !paused) {
    sink_.serve(kHoldWait);  // records wait in the source's fetch queue meanwhile
  } else {
    // While paused nothing arrives from the source: wait on acknowledgements instead.
    if (auto record = source_.poll(paused ? milliseconds(0) : kPollWait)) {
      handle(std::move(*record));
    }
    sink_.serve(paused ? kPollWait : milliseconds(0));
  }
  apply_backpressure();
  if (now >= *next_commit_) {
    if (resume_pending_ && !backpressure_.fetch_paused()) resume_pending_ = !resume_copying();
    sink_.tick();
    commit(false);
    next_commit_ = now + options_.commit_interval;
  } else if (commit_due_) {
    commit(false);  // runs just acknowledged: their offsets need not wait a tick
  }
  if (now >= *next_lag_) {
    publish_lag();
    next_lag_ = now + options_.lag_interval;
  }
}

void CopyLoop::handle(SourceRecord record) {
  // A failed flow writes nothing more: a record after the one it failed on would let the
  // source commit pass that one (its offset is in no sink's progress).
  auto& received = metrics_.counters().records_received;  // one writer: this thread
  received.store(received.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  Partition* p = find(record.topic, record.partition);
  if (!p) return;                 // not ours (any more): the new owner copies it
  if (!failure_.empty()) return;  // the flow stops: nothing more goes to the target
  if (p->state != State::copying) {
    // Fetched before the pause took hold: read again from here once copying.
    p->resume_from = std::min(p->resume_from.value_or(record.offset), record.offset);
    return;
  }
  if (p->first_offset < 0) p->first_offset = record.offset;
  // 0. Offsets in order: the log start is read only when they skip.
  if (p->expected && record.offset != *p->expected && !pass_jump(*p, record.offset)) return;
  p->expected = record.offset + 1;
  if (record.topic == kHeartbeatTopic && record.key_len == judge_.source().size() &&
      std::memcmp(record.key, judge_.source().data(), record.key_len) == 0) {
    metrics_.counters().last_heartbeat_ms = kafka::steady_ms(now_);
  }

  // 1. Origin, 2. stages.
  auto verdict = judge_.judge(record, p->target_topic);
  if (!verdict.failure.empty()) {
    fail(verdict.failure);
    return;
  }
  if (verdict.wait) {  // read again from this record once the stages can judge it
    p->resume_from = p->expected = record.offset;
    wait_for_stages(*p);
    return;
  }
  if (verdict.malformed_origin) p->metrics->malformed_origin->Increment();
  if (verdict.skip == SkipReason::loop) {
    metrics_.counters().skipped_loop++;
    p->metrics->loops->Increment();
  } else if (verdict.skip == SkipReason::other_origin) {
    metrics_.counters().skipped_other_origin++;
    p->metrics->filtered->Increment();
  } else if (verdict.skip == SkipReason::conflict) {
    metrics_.counters().skipped_conflict++;
    p->metrics->conflicts->Increment();
  }

  // 3. The sink, copy or skip, with the record's share of the budget.
  if (!verdict.skip) {
    const size_t bytes = batch_bytes(record.key_len, record.value_len, verdict.headers.get());
    if (bytes > smallest_limit_ && bytes > size_limit(p->target_topic).first) {
      oversized(*p, std::move(record), std::move(verdict.headers), bytes);
      return;
    }
  }
  const int64_t offset = record.offset;
  auto units = budget_.take(record.size());
  written(*p, offset,
          sink_.write(p->id, std::move(record), std::move(verdict.headers), !verdict.skip,
                      std::move(units)));
}

void CopyLoop::written(Partition& p, int64_t offset, const kafka::KafkaError& error) {
  if (error.code() == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
    p.resume_from = p.expected = offset;
    wait_for_target(p);
  } else if (error) {
    fail(error.message());
  } else if (p.waiting_since) {
    p.waiting_since.reset();  // written: the target partition is there
  }
}

CopyLoop::Partition* CopyLoop::find(std::string_view topic, int32_t partition) {
  if (last_ && last_->tp.partition == partition && last_->tp.topic == topic) return last_;
  auto it = partitions_.find(TopicPartition{std::string(topic), partition});
  last_ = it == partitions_.end() ? nullptr : &it->second;
  return last_;
}

void CopyLoop::apply_plan(TopicPlan plan) {
  plan_ = std::move(plan);
  smallest_limit_ = options_.producer_max_bytes;
  for (const auto& [topic, bytes] : plan_.max_message_bytes) {
    smallest_limit_ = std::min(smallest_limit_, bytes);
  }
  std::vector<std::string> topics;
  for (const auto& [topic, target] : plan_.targets) topics.push_back(topic);
  if (topics != subscribed_) {
    if (auto error = source_.subscribe(topics)) {
      fail("subscribing to the source topics: " + error.message());
      return;
    }
    // A topic that leaves the plan stops alone; the others go on. Said once, when it leaves.
    std::vector<std::string> gone;
    std::set_difference(subscribed_.begin(), subscribed_.end(), topics.begin(), topics.end(),
                        std::back_inserter(gone));
    for (const auto& topic : gone) {
      spdlog::warn(
          "flow {}: source topic {} is gone (deleted, or no longer selected): its copy stops, the "
          "flow's other topics go on; created again, it is copied from its start",
          metrics_.flow(), topic);
    }
    subscribed_ = topics;
    if (topics.empty()) {
      spdlog::info("flow {}: no matching topics on the source yet", metrics_.flow());
    } else {
      spdlog::info("flow {}: copying {} topics", metrics_.flow(), topics.size());
    }
  }
  for (auto& [tp, p] : partitions_) {
    if (p.state != State::waiting_for_target || !plan_.has_target_partition(tp)) continue;
    if (!p.in_sink) {
      p.target_topic = plan_.targets.at(tp.topic);
      open_in_sink(p);
    } else {
      ready(p, std::nullopt);  // read again from the record the target lacked
    }
  }
}

void CopyLoop::take_sink_events() {
  for (auto& event : sink_.take_events()) {
    if (event.kind == SinkEvent::Kind::failed) {
      fail(event.reason);
      continue;
    }
    if (event.kind == SinkEvent::Kind::commit_due) {
      commit_due_ = true;
      continue;
    }
    auto id = by_id_.find(event.id);
    if (id == by_id_.end()) continue;  // revoked meanwhile
    Partition& p = partitions_.at(id->second);
    switch (event.kind) {
      case SinkEvent::Kind::ready:
        if (p.state == State::starting) ready(p, event.offset);
        break;
      case SinkEvent::Kind::rewind:
        // Records read before the seek are void: the sink drops what it queued for them.
        if (auto error = source_.seek(p.tp, *event.offset)) {
          fail("rewinding " + to_string(p.tp) + " to " + std::to_string(*event.offset) + ": " +
               error.message());
          return;
        }
        sink_.rewound(p.id);
        p.expected = *event.offset;
        // Not copying: where it is read from once it copies must not pass the rewind.
        if (p.state == State::seeking) {
          p.seek_to = std::min(*p.seek_to, *event.offset);
        } else if (p.state != State::copying) {
          p.resume_from = std::min(p.resume_from.value_or(*event.offset), *event.offset);
        }
        break;
      case SinkEvent::Kind::fenced:
        // A zombie: the partition has a new owner. Ours copies nothing more of it; the
        // rebalance that tells this reader so comes later.
        spdlog::warn("flow {}: {} was taken over by another worker", metrics_.flow(),
                     to_string(p.tp));
        enter(p, State::fenced);
        if (!p.paused) set_paused({&p}, true);
        break;
      default:
        break;
    }
  }
}

void CopyLoop::on_revoked(const std::vector<TopicPartition>& partitions, bool lost) {
  std::vector<PartitionId> ids;
  std::vector<TopicPartition> ours;
  for (const auto& tp : partitions) {
    auto it = partitions_.find(tp);
    if (it == partitions_.end()) continue;
    ours.push_back(tp);
    if (it->second.in_sink) ids.push_back(it->second.id);
  }
  if (!lost) {
    // Settle what is in flight, then commit it while the partitions are still ours.
    sink_.finish(ids, options_.flush_timeout);
    commit(true, &ours);
  }
  sink_.close(ids);
  for (const auto& tp : ours) forget(tp);
  if (auto error = source_.unassign(partitions)) {
    metrics_.error("rebalance");
    spdlog::error("flow {}: unassigning {} partitions: {}", metrics_.flow(), partitions.size(),
                  error.message());
  }
  metrics_.counters().assigned_partitions = partitions_.size();
  spdlog::info("flow {}: {} {} partitions (now {})", metrics_.flow(), lost ? "lost" : "revoked",
               partitions.size(), partitions_.size());
}

void CopyLoop::forget(const TopicPartition& tp) {
  auto it = partitions_.find(tp);
  if (it == partitions_.end()) return;
  by_id_.erase(it->second.id);
  if (last_ == &it->second) last_ = nullptr;
  partitions_.erase(it);
}

void CopyLoop::on_committed(const std::map<TopicPartition, int64_t>& offsets) {
  for (const auto& [tp, offset] : offsets) {
    auto it = partitions_.find(tp);
    if (it == partitions_.end()) continue;
    auto& committed = it->second.committed;
    committed = std::max(committed.value_or(offset), offset);
  }
}

kafka::KafkaError CopyLoop::commit(bool sync, const std::vector<TopicPartition>* only) {
  commit_due_ = false;
  const bool full = !only && now_ >= next_full_commit_;
  if (full) next_full_commit_ = now_ + kFullCommitInterval;
  std::map<TopicPartition, int64_t> offsets;
  auto add = [&](const Partition& p) {
    if (!p.in_sink || p.state == State::fenced) return;
    auto next = sink_.committable(p.id);
    if (next && (full || next != p.committed)) offsets[p.tp] = *next;
  };
  if (only) {
    for (const auto& tp : *only) add(partitions_.at(tp));
  } else {
    for (const auto& [tp, p] : partitions_) add(p);
  }
  if (offsets.empty()) return {};
  auto error = source_.commit(offsets, sync);
  if (error) {
    metrics_.error("commit");
    spdlog::warn("flow {}: committing source offsets: {} (tried again at the next commit)",
                 metrics_.flow(), error.message());
  }
  return error;
}

void CopyLoop::apply_backpressure() {
  const auto change = backpressure_.update(now_);
  if (change == Backpressure::Change::pause_fetch) {
    std::vector<Partition*> copying;
    for (auto& [tp, p] : partitions_) {
      if (p.state == State::copying && !p.paused) copying.push_back(&p);
    }
    if (!set_paused(copying, true)) {
      backpressure_.pause_failed(now_);  // still holding: memory stays bounded
      return;
    }
    spdlog::info("flow {}: target is behind ({} records, {} KiB unacknowledged): pausing fetch",
                 metrics_.flow(), budget_.records(), budget_.bytes() / 1024);
  } else if (change == Backpressure::Change::resume_fetch && resume_copying()) {
    spdlog::info("flow {}: target caught up: resuming fetch", metrics_.flow());
  }
}

bool CopyLoop::resume_copying() {
  std::vector<Partition*> copying;
  for (auto& [tp, p] : partitions_) {
    if (p.state == State::copying && p.paused) copying.push_back(&p);
  }
  return set_paused(copying, false);
}

bool CopyLoop::set_paused(std::vector<Partition*> partitions, bool paused) {
  if (partitions.empty()) return true;
  std::vector<TopicPartition> tps;
  for (Partition* p : partitions) tps.push_back(p->tp);
  if (auto error = paused ? source_.pause(tps) : source_.resume(tps)) {
    metrics_.error("pause");
    spdlog::error("flow {}: {} {} partitions: {}", metrics_.flow(), paused ? "pausing" : "resuming",
                  tps.size(), error.message());
    if (!paused) resume_pending_ = true;
    return false;
  }
  for (Partition* p : partitions) p->paused = paused;
  return true;
}

void CopyLoop::publish_lag() {
  if (!lag_) return;
  std::vector<LagSample> samples;
  for (const auto& [tp, p] : partitions_) {
    if (p.state == State::fenced) continue;
    std::optional<int64_t> next = p.in_sink ? sink_.acknowledged(p.id) : std::nullopt;
    if (!next && p.first_offset >= 0) next = p.first_offset;
    samples.push_back({tp, next});
  }
  lag_->publish(std::move(samples), backpressure_.fetch_paused());
}

void CopyLoop::finish() {
  spdlog::info("flow {}: stopping", metrics_.flow());
  metrics_.counters().phase = "settling in-flight records";
  std::vector<PartitionId> ids;
  for (const auto& [tp, p] : partitions_) {
    if (p.in_sink) ids.push_back(p.id);
  }
  if (size_t left = sink_.finish(ids, options_.flush_timeout)) {
    spdlog::warn(
        "flow {}: {} records still unacknowledged after {} ms; their source offsets stay "
        "uncommitted and they will be copied again after restart",
        metrics_.flow(), left, options_.flush_timeout.count());
  }
  take_sink_events();  // a failure while finishing still makes the exit code
  metrics_.counters().phase = "committing";
  if (auto error = commit(true)) fail("the final commit failed: " + error.message());
  sink_.close(ids);
  spdlog::info(
      "flow {}: stopped ({} records copied, {} loops and {} conflicts skipped, {} lost in source "
      "gaps)",
      metrics_.flow(), metrics_.counters().records_copied.load(),
      metrics_.counters().skipped_loop.load(), metrics_.counters().skipped_conflict.load(),
      metrics_.counters().records_lost.load());
}

void CopyLoop::fail(const std::string& reason) {
  if (!failure_.empty()) return;
  failure_ = reason;
  spdlog::error("flow {}: {}", metrics_.flow(), reason);
}

}  // namespace duplex::replicator
