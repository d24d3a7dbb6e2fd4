#include "replicator/idempotent_sink.h"

#include <spdlog/spdlog.h>

#include "kafka/access_error.h"
#include "kafka/timestamps.h"
#include "offsets/offset_records.h"
#include "replicator/dead_letter.h"

namespace duplex::replicator {
namespace {

using Clock = std::chrono::steady_clock;

// A delivery token packs the partition id (24 bits) and the offset relative to the
// partition's first written offset (40 bits) into librdkafka's per-record opaque. Id 0 is
// never a partition's: its tokens mark offset-sync runs, with the id of the partition they
// cover in the low bits.
constexpr int kOffsetBits = 40;
constexpr uint64_t kOffsetMask = (uint64_t{1} << kOffsetBits) - 1;
constexpr uint64_t kRunToken = 0;
// Set in a token's offset part: the delivery report of a dead letter, not of a copy.
constexpr uint64_t kDeadLetterBit = uint64_t{1} << (kOffsetBits - 1);
static_assert(kMaxPartitionId < (uint64_t{1} << (64 - kOffsetBits)));

void* make_token(uint64_t high, uint64_t low) {
  return reinterpret_cast<void*>((high << kOffsetBits) | (low & kOffsetMask));
}

// A record the broker refused as too large although it passed the copy loop's check (the
// target topic's limit could not be read, or compression and batching differ).
constexpr std::string_view kTooLargeHint =
    " (raise max.message.bytes of the target topic; the sidecar could not check this record "
    "against it beforehand, so errors.oversized does not apply)";

// How long finish() waits between looks at what is still in flight.
constexpr std::chrono::milliseconds kFinishPoll{10};

}  // namespace

IdempotentSink::IdempotentSink(RecordWriter& writer, FlowMetrics& metrics, std::string home,
                               const std::string& offset_syncs_topic)
    : writer_(writer),
      metrics_(metrics),
      home_(std::move(home)),
      offset_syncs_topic_(offset_syncs_topic),
      offset_syncs_ref_(writer.topic(offset_syncs_topic)) {
  writer_.set_handler(this);
}

bool IdempotentSink::open(const SinkPartition& p) {
  partitions_.try_emplace(p.id, p, writer_.topic(p.target_topic));
  return true;
}

kafka::KafkaError IdempotentSink::write(PartitionId id, SourceRecord record,
                                        kafka::HeadersPtr headers, bool copy,
                                        InflightBudget::Units units) {
  Partition& p = partitions_.at(id);
  if (!copy) {
    p.progress.add_settled(record.offset);  // a skipped record settles at once
    return {};
  }
  OutgoingCopy out{record.partition, record.key,       record.key_len, record.value,
                   record.value_len, record.timestamp, nullptr};
  return write_pending(p, p.target, out, headers, record, std::move(units),
                       "writing " + to_string(p.source) + "@" + std::to_string(record.offset));
}

kafka::KafkaError IdempotentSink::write_dead_letter(PartitionId id, SourceRecord record,
                                                    kafka::HeadersPtr headers, bool metadata_only,
                                                    InflightBudget::Units units) {
  Partition& p = partitions_.at(id);
  if (!dead_letters_ref_) dead_letters_ref_ = writer_.topic(std::string(kDeadLetterTopic));
  OutgoingCopy out{0, nullptr, 0, nullptr, 0, record.timestamp, nullptr};
  if (!metadata_only) {
    out.key = record.key;
    out.key_len = record.key_len;
    out.value = record.value;
    out.value_len = record.value_len;
  }
  return write_pending(p, *dead_letters_ref_, out, headers, record, std::move(units),
                       "writing the dead letter of " + to_string(p.source) + "@" +
                           std::to_string(record.offset) + " to " + std::string(kDeadLetterTopic));
}

kafka::KafkaError IdempotentSink::write_pending(Partition& p, RecordWriter::TopicRef topic,
                                                OutgoingCopy out, kafka::HeadersPtr& headers,
                                                const SourceRecord& record,
                                                InflightBudget::Units units,
                                                const std::string& what) {
  const int64_t base = p.base_offset < 0 ? record.offset : p.base_offset;
  uint64_t relative = static_cast<uint64_t>(record.offset - base);
  if (topic != p.target) relative |= kDeadLetterBit;
  out.token = make_token(p.id, relative);
  if (auto err = writer_.write(topic, out, headers)) {
    // Not pending: the commit cannot pass it, and it can be written again.
    return kafka::KafkaError::from(err, what);
  }
  // Pending only once queued: its delivery report cannot come before a later poll.
  p.base_offset = base;
  p.in_flight++;
  p.progress.add_pending(record.offset, record.timestamp, std::move(units));
  return {};
}

void IdempotentSink::serve(std::chrono::milliseconds wait) {
  writer_.poll(wait);
}

std::vector<SinkEvent> IdempotentSink::take_events() {
  if (commit_due_) {
    events_.push_back(SinkEvent::commit_due());
    commit_due_ = false;
  }
  return std::exchange(events_, {});
}

void IdempotentSink::tick() {
  for (auto& [id, p] : partitions_) write_runs(id, p);
}

void IdempotentSink::write_runs(PartitionId id, Partition& p) {
  if (p.runs_lost) return;  // its commit stays where it is: copied again after a restart
  size_t written = 0;
  for (const auto& run : p.runs.take_changed()) {
    const std::string key = offsets::run_key(run);
    const std::string value = offsets::encode(run);
    OutgoingCopy out{
        0, key.data(), key.size(), value.data(), value.size(), 0, make_token(kRunToken, id)};
    kafka::HeadersPtr none;
    if (auto err = writer_.write(offset_syncs_ref_, out, none)) {
      p.runs_lost = true;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {  // full only when stopping
        fail("cannot write an offset sync to " + offset_syncs_topic_ + ": " +
             rd_kafka_err2str(err));
      }
      return;
    }
    written++;
  }
  if (auto next = p.progress.next_commit()) p.gate.mark(*next, written);
}

std::optional<int64_t> IdempotentSink::committable(PartitionId id) const {
  auto it = partitions_.find(id);
  return it == partitions_.end() ? std::nullopt : it->second.gate.committable();
}

std::optional<int64_t> IdempotentSink::acknowledged(PartitionId id) const {
  auto it = partitions_.find(id);
  return it == partitions_.end() ? std::nullopt : it->second.progress.next_commit();
}

size_t IdempotentSink::finish(const std::vector<PartitionId>& ids,
                              std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto waiting = [&](auto&& busy) {
    for (PartitionId id : ids) {
      auto it = partitions_.find(id);
      if (it != partitions_.end() && busy(it->second)) return true;
    }
    return false;
  };
  // 1. Their copies acknowledged, 2. the runs that cover them written and acknowledged.
  while (waiting([](const Partition& p) { return p.in_flight > 0; }) && Clock::now() < deadline) {
    writer_.poll(kFinishPoll);
  }
  for (PartitionId id : ids) {
    if (auto it = partitions_.find(id); it != partitions_.end()) write_runs(id, it->second);
  }
  while (waiting([](const Partition& p) { return !p.gate.idle(); }) && Clock::now() < deadline) {
    writer_.poll(kFinishPoll);
  }
  size_t unacknowledged = 0;
  for (PartitionId id : ids) {
    if (auto it = partitions_.find(id); it != partitions_.end()) {
      unacknowledged += it->second.progress.pending();
    }
  }
  return unacknowledged;
}

void IdempotentSink::close(const std::vector<PartitionId>& ids) {
  for (PartitionId id : ids) partitions_.erase(id);
}

void IdempotentSink::on_delivery(const Delivery& d) {
  const auto token = reinterpret_cast<uint64_t>(d.token);
  const uint64_t high = token >> kOffsetBits;
  if (high == kRunToken) {
    if (d.error) {
      fail("the target rejected an offset sync for " + offset_syncs_topic_ + ": " +
           rd_kafka_err2str(d.error));
      return;
    }
    auto it = partitions_.find(static_cast<PartitionId>(token & kOffsetMask));
    if (it != partitions_.end()) it->second.gate.acknowledged();
    metrics_.offset_syncs(1);
    commit_due_ = true;
    return;
  }
  auto it = partitions_.find(static_cast<PartitionId>(high));
  if (it == partitions_.end()) return;  // closed meanwhile
  Partition& p = it->second;
  p.in_flight--;
  const bool dead_letter = (token & kDeadLetterBit) != 0;
  const int64_t offset =
      p.base_offset + static_cast<int64_t>(token & kOffsetMask & ~kDeadLetterBit);
  if (dead_letter) {
    if (d.error) {  // stays pending: its source offset is never committed
      metrics_.error("produce");
      fail("the target rejected the dead letter of " + to_string(p.source) + "@" +
           std::to_string(offset) + " in " + std::string(kDeadLetterTopic) + ": " +
           rd_kafka_err2str(d.error));
      return;
    }
    if (p.progress.settle(offset)) metrics_.dead_lettered(*p.metrics);  // no offset sync
  } else if (d.error) {
    // Stays pending, so its offset is never committed: nothing is lost.
    metrics_.error("produce");
    auto refused = kafka::access_refused(d.error, home_, "topic " + p.target_topic, "WRITE",
                                         rd_kafka_err2str(d.error));
    fail("the target rejected " + to_string(p.source) + "@" + std::to_string(offset) + ": " +
         (refused ? *refused
                  : rd_kafka_err2str(d.error) + (d.error == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE
                                                     ? std::string(kTooLargeHint)
                                                     : "")));
    return;
  } else if (auto settled = p.progress.settle(offset, d.offset)) {
    metrics_.copied(*p.metrics, 1, settled->bytes);
    metrics_.latency(settled->timestamp, kafka::now_ms());
  }
  for (const auto& copy : p.progress.take_settled_copies()) {
    p.runs.add(copy.offset, copy.target_offset, copy.timestamp);
  }
}

void IdempotentSink::fail(const std::string& reason) {
  if (failed_) return;
  failed_ = true;
  events_.push_back(SinkEvent::failed(0, reason));
}

}  // namespace duplex::replicator
