#include "replicator/transactional_sink.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "offsets/offset_records.h"

namespace duplex::replicator {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

TransactionalSink::TransactionalSink(Settings settings, FlowMetrics& metrics,
                                     const std::atomic<bool>& stop)
    : settings_(std::move(settings)),
      metrics_(metrics),
      stop_(stop),
      progress_reader_(settings_.home, settings_.target_props, settings_.progress_topic, &stop) {}

TransactionalSink::~TransactionalSink() {
  for (auto& [id, p] : partitions_) stop(*p, false);
}

bool TransactionalSink::open(const SinkPartition& sink) {
  auto partition = std::make_unique<Partition>();
  Partition& p = *partition;
  p.sink = sink;
  partitions_[sink.id] = std::move(partition);
  TransactionalPartition::Settings settings{settings_.home,
                                            settings_.target_props,
                                            settings_.transactional_id_prefix + sink.source.topic +
                                                "." + std::to_string(sink.source.partition),
                                            sink.source,
                                            sink.target_topic,
                                            settings_.offset_syncs_topic,
                                            settings_.progress_topic,
                                            settings_.transaction,
                                            settings_.stop_timeout};
  try {
    p.txn = std::make_unique<TransactionalPartition>(std::move(settings), metrics_, *sink.metrics);
  } catch (const std::exception& e) {
    events_.push_back(SinkEvent::failed(sink.id, "creating a transactional producer for " +
                                                     to_string(sink.source) + ": " + e.what()));
    p.reported = true;
    return false;
  }
  p.starting = std::async(std::launch::async, [this, &p] { return start(p); });
  return false;
}

kafka::Result<int64_t> TransactionalSink::start(Partition& p) {
  if (auto err = p.txn->fence(Clock::now() + settings_.transaction.fence_timeout, p.cancel))
    return err;
  // Fenced: every read that begins from now on finds this partition's progress final. The
  // starts of an assignment fence together, so the first read after their fences serves them
  // all instead of each reading in turn (a read is a few round trips, and the partitions that
  // already copy keep adding to the topic).
  const uint64_t reads_before = reads_begun_.load();
  std::lock_guard lock(progress_mutex_);  // one reader for all
  if (p.cancel.load() || stop_.load()) {  // revoked or stopping meanwhile: nothing to read for
    return kafka::KafkaError(RD_KAFKA_RESP_ERR__DESTROY, "cancelled before its progress was read");
  }
  if (reads_begun_.load() == reads_before) {  // none began since the fence: read now
    reads_begun_++;
    last_read_ = progress_reader_.read_new(
        [&](const rd_kafka_message_t& m) {
          if (!m.payload) return;  // a tombstone
          auto progress = offsets::decode_progress(
              std::string_view(static_cast<const char*>(m.payload), m.len));
          if (!progress) {
            metrics_.error("corrupt_record");
            spdlog::warn("flow {}: skipping a corrupt record at {}@{}", metrics_.flow(),
                         settings_.progress_topic, m.offset);
            return;
          }
          stored_progress_[offsets::progress_key(progress->source_topic, progress->partition)] =
              progress->next_offset;
        },
        settings_.read_timeout);
  }
  if (last_read_) {
    return kafka::KafkaError(last_read_.code(),
                             "reading the stored progress: " + last_read_.message());
  }
  auto it =
      stored_progress_.find(offsets::progress_key(p.sink.source.topic, p.sink.source.partition));
  return it == stored_progress_.end() ? int64_t{-1} : it->second;
}

kafka::KafkaError TransactionalSink::write(PartitionId id, SourceRecord record,
                                           kafka::HeadersPtr headers, bool copy,
                                           InflightBudget::Units units) {
  partitions_.at(id)->txn->push(std::move(record), std::move(headers), copy, std::move(units));
  return {};
}

kafka::KafkaError TransactionalSink::write_dead_letter(PartitionId id, SourceRecord record,
                                                       kafka::HeadersPtr headers,
                                                       bool metadata_only,
                                                       InflightBudget::Units units) {
  partitions_.at(id)->txn->push_dead_letter(std::move(record), std::move(headers), metadata_only,
                                            std::move(units));
  return {};
}

void TransactionalSink::serve(std::chrono::milliseconds wait) {
  // Acknowledgements are served on the partitions' own threads; this only paces the loop.
  std::this_thread::sleep_for(wait);
}

std::vector<SinkEvent> TransactionalSink::take_events() {
  check_starters(events_);
  check_partitions(events_);
  return std::exchange(events_, {});
}

void TransactionalSink::check_starters(std::vector<SinkEvent>& events) {
  for (auto& [id, p] : partitions_) {
    if (!p->starting.valid() ||
        p->starting.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      continue;
    }
    auto result = p->starting.get();
    if (auto* error = std::get_if<kafka::KafkaError>(&result)) {
      if (!stop_.load()) {
        events.push_back(
            SinkEvent::failed(id, to_string(p->sink.source) + ": " + error->message()));
        p->reported = true;
      }
      continue;
    }
    const int64_t next = std::get<int64_t>(result);
    p->txn->start(next);
    p->started = true;
    events.push_back(SinkEvent::ready(id, next >= 0 ? std::optional<int64_t>(next) : std::nullopt));
  }
}

void TransactionalSink::check_partitions(std::vector<SinkEvent>& events) {
  for (auto& [id, p] : partitions_) {
    if (!p->started || p->reported) continue;
    if (auto offset = p->txn->rewind_request()) {
      events.push_back(SinkEvent::rewind(id, *offset));
    }
    switch (p->txn->state()) {
      case TransactionalPartition::State::failed:
        events.push_back(
            SinkEvent::failed(id, to_string(p->sink.source) + ": " + p->txn->failure()));
        p->reported = true;
        break;
      case TransactionalPartition::State::fenced:
        events.push_back(SinkEvent::fenced(id));
        p->reported = true;
        break;
      default:
        break;
    }
  }
}

std::optional<int64_t> TransactionalSink::committable(PartitionId id) const {
  auto it = partitions_.find(id);
  if (it == partitions_.end() || !it->second->started) return std::nullopt;
  const int64_t next = it->second->txn->committed_next();
  return next >= 0 ? std::optional<int64_t>(next) : std::nullopt;
}

void TransactionalSink::rewound(PartitionId id) {
  partitions_.at(id)->txn->rewound();
}

size_t TransactionalSink::finish(const std::vector<PartitionId>& ids, std::chrono::milliseconds) {
  // Stop them all first, then wait: their commits run in parallel (each bounded by
  // stop_timeout).
  std::vector<Partition*> stopping;
  for (PartitionId id : ids) {
    auto it = partitions_.find(id);
    if (it == partitions_.end()) continue;
    Partition& p = *it->second;
    p.cancel = true;
    if (p.starting.valid()) p.starting.wait();  // never fence after the next owner did
    if (p.started) {
      p.txn->request_stop(true);
      stopping.push_back(&p);
    }
  }
  size_t uncommitted = 0;
  for (Partition* p : stopping) {
    p->txn->join();
    uncommitted += p->txn->uncommitted();
    if (p->txn->state() == TransactionalPartition::State::failed && !p->reported) {
      events_.push_back(
          SinkEvent::failed(p->sink.id, to_string(p->sink.source) + ": " + p->txn->failure()));
      p->reported = true;
    }
    // Final for now: the next assignment reads it back, or a newer one.
    if (const int64_t next = p->txn->committed_next(); next >= 0) {
      std::lock_guard lock(progress_mutex_);
      stored_progress_[offsets::progress_key(p->sink.source.topic, p->sink.source.partition)] =
          next;
    }
  }
  return uncommitted;
}

void TransactionalSink::close(const std::vector<PartitionId>& ids) {
  for (PartitionId id : ids) {
    auto it = partitions_.find(id);
    if (it == partitions_.end()) continue;
    stop(*it->second, false);
    partitions_.erase(it);
  }
}

void TransactionalSink::stop(Partition& p, bool commit) {
  p.cancel = true;
  if (p.starting.valid()) p.starting.wait();
  if (p.started) {
    p.txn->request_stop(commit);
    p.txn->join();
  }
}

}  // namespace duplex::replicator
