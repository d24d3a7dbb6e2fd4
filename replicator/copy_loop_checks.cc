// CopyLoop, continued: the checks a record passes before the sink. Step 0, the offset it
// should have (records that expired on the source: a gap; a topic created again: offsets that
// went back; the end of a partition past its last record); and, in step 3, a copy larger than
// the target takes (errors.oversized).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "replicator/copy_loop.h"
#include "replicator/dead_letter.h"
#include "replicator/heartbeat.h"
#include "replicator/source_jump.h"

namespace duplex::replicator {

bool CopyLoop::pass_jump(Partition& p, int64_t offset) {
  const auto jump = SourceJump::judge(p.expected, offset, source_.log_start(p.tp));
  if (jump.kind == SourceJump::Kind::went_back) {
    spdlog::error(
        "flow {}: {} went back from offset {} to {}: the source topic was deleted and created "
        "again (or its log truncated); copying it from offset {}. How many records of the old "
        "topic were not copied before it went away cannot be known",
        metrics_.flow(), to_string(p.tp), jump.from, jump.to, jump.to);
    counted_gaps_.erase(p.tp);  // offsets of the old topic
    return true;
  }
  if (jump.kind != SourceJump::Kind::gap) return true;
  auto& counted = counted_gaps_[p.tp];
  const int64_t from = std::max(jump.from, counted);
  if (from >= jump.to) return options_.continue_after_source_gap;  // counted and logged already
  counted = jump.to;
  const int64_t lost = jump.to - from;
  const std::string range = to_string(p.tp) + " offsets " + std::to_string(from) + " to " +
                            std::to_string(jump.to - 1) + " (" + std::to_string(lost) + " records)";
  if (p.tp.topic == kHeartbeatTopic) {  // pulses, not data: a long stop outlives their retention
    spdlog::info("flow {}: {} of {} expired before they were read", metrics_.flow(), range,
                 kHeartbeatTopic);
    return true;
  }
  metrics_.counters().records_lost += static_cast<uint64_t>(lost);
  p.metrics->expired->Increment(static_cast<double>(lost));
  const std::string what = "source gap: " + range +
                           " expired on the source before they were copied (its log start is "
                           "now past them: retention, or deleted records)";
  if (!options_.continue_after_source_gap) {
    fail(what +
         "; on.source.gap: fail stops the flow here, committing nothing past them. To copy on "
         "from offset " +
         std::to_string(jump.to) +
         " and leave them lost, set on.source.gap: continue on this flow");
    return false;
  }
  spdlog::error(
      "flow {}: {}; counted in duplex_records_lost_total, copying on from offset {} "
      "(on.source.gap: continue)",
      metrics_.flow(), what, jump.to);
  return true;
}

void CopyLoop::on_partition_end(const TopicPartition& tp, int64_t end) {
  // Offsets between the last record and the end hold no record (a transaction's marker
  // always follows its last record): settled like skipped records, so the commit and the lag
  // reach the end. Left at the last record, a transactional source would show lag 1 for ever.
  Partition* p = find(tp.topic, tp.partition);
  if (!p || !failure_.empty() || p->state != State::copying || !p->in_sink) return;
  // Where the partition started is unknown without `expected` (a group with no commit): a
  // guess could settle a record before the start. Nothing passed, or it went back (the next
  // record tells).
  if (!p->expected || end <= *p->expected) return;
  if (!pass_jump(*p, end)) return;
  p->expected = end;
  SourceRecord none;
  none.topic = p->tp.topic;
  none.partition = tp.partition;
  none.offset = end - 1;
  written(*p, none.offset, sink_.write(p->id, std::move(none), nullptr, false, {}));
}

std::pair<size_t, std::string> CopyLoop::size_limit(const std::string& target_topic) const {
  auto topic = plan_.max_message_bytes.find(target_topic);
  if (topic != plan_.max_message_bytes.end() && topic->second < options_.producer_max_bytes) {
    return {topic->second, "max.message.bytes of the target topic " + target_topic + " (" +
                               std::to_string(topic->second) + ")"};
  }
  return {options_.producer_max_bytes, "message.max.bytes of the producer on the target cluster (" +
                                           std::to_string(options_.producer_max_bytes) + ")"};
}

void CopyLoop::oversized(Partition& p, SourceRecord record, kafka::HeadersPtr headers,
                         size_t bytes) {
  const std::string what = to_string(p.tp) + "@" + std::to_string(record.offset);
  const std::string over =
      std::to_string(bytes) + " bytes, over the " + size_limit(p.target_topic).second;
  if (options_.oversized == config::OversizedPolicy::fail) {
    fail("record " + what + " is " + over +
         "; it is not copied and the source commit stays before it. Raise max.message.bytes "
         "of the target topic (and message.max.bytes of the target cluster's properties when "
         "that is the limit), or set errors.oversized: skip to write such records to " +
         std::string(kDeadLetterTopic));
    return;
  }
  const std::string detail = "record batch of " + over;
  auto letter = dead_letter_headers(record, headers.get(), "oversized", detail, false);
  const bool metadata_only = batch_bytes(record.key_len, record.value_len, letter.get()) >
                             size_limit(std::string(kDeadLetterTopic)).first;
  if (metadata_only) letter = dead_letter_headers(record, headers.get(), "oversized", detail, true);
  spdlog::warn("flow {}: record {} is {}: written to {}{}", metrics_.flow(), what, over,
               kDeadLetterTopic,
               metadata_only ? " without key, value and headers (too large there too)" : "");
  const int64_t offset = record.offset;
  auto units = budget_.take(record.size());
  written(p, offset,
          sink_.write_dead_letter(p.id, std::move(record), std::move(letter), metadata_only,
                                  std::move(units)));
}

}  // namespace duplex::replicator
