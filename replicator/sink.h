#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kafka/handles.h"
#include "kafka/kafka_error.h"
#include "replicator/flow_metrics.h"
#include "replicator/inflight_budget.h"
#include "replicator/source.h"

namespace duplex::replicator {

// The copy loop's name for one assignment of one source partition: a partition assigned
// again gets a new id, so late news about the old assignment can be told apart. Ids are
// never 0 and stay below kMaxPartitionId.
using PartitionId = uint32_t;
inline constexpr PartitionId kMaxPartitionId = (1u << 24) - 1;

// A source partition whose copies a sink starts writing.
struct SinkPartition {
  PartitionId id = 0;
  TopicPartition source;
  std::string target_topic;  // partition p goes to partition p
  const TopicMetrics* metrics = nullptr;
};

// News from a sink for the copy loop, taken with Sink::take_events().
struct SinkEvent {
  enum class Kind {
    ready,       // an opened partition takes records now; `offset`: read from there (if set)
    rewind,      // read the partition again from `offset`, then call Sink::rewound()
    fenced,      // another worker owns the partition now: copy nothing more of it
    failed,      // the flow cannot go on: `reason` says why (exit 1)
    commit_due,  // committable() moved: commit now rather than at the next tick
  };
  Kind kind = Kind::ready;
  PartitionId id = 0;
  std::optional<int64_t> offset;
  std::string reason;

  static SinkEvent ready(PartitionId id, std::optional<int64_t> offset) {
    return {Kind::ready, id, offset, {}};
  }
  static SinkEvent rewind(PartitionId id, int64_t offset) { return {Kind::rewind, id, offset, {}}; }
  static SinkEvent fenced(PartitionId id) { return {Kind::fenced, id, std::nullopt, {}}; }
  static SinkEvent failed(PartitionId id, std::string reason) {
    return {Kind::failed, id, std::nullopt, std::move(reason)};
  }
  static SinkEvent commit_due() { return {Kind::commit_due, 0, std::nullopt, {}}; }
};

// Where copies are written: the target cluster, at-least-once (IdempotentSink) or
// exactly-once (TransactionalSink). The copy loop calls every method from its own thread; a
// sink may do its work on threads of its own.
class Sink {
 public:
  virtual ~Sink() = default;

  // Starts writing a newly assigned partition. True: it takes records now, from wherever the
  // source stands. False: a `ready` (or `failed`) event follows, e.g. after the partition's
  // earlier owners were fenced.
  virtual bool open(const SinkPartition& partition) = 0;

  // One record of a ready partition, in offset order. `copy` false: it is only passed (a loop
  // or another skip), so that the source may commit past it. `headers`: the copy's. The
  // record's `units` go back to the budget once its copy is acknowledged or dropped. An error
  // leaves the record unwritten and uncounted: RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION (the
  // target lacks the partition: write it again once it exists), anything else fails the flow.
  virtual kafka::KafkaError write(PartitionId id, SourceRecord record, kafka::HeadersPtr headers,
                                  bool copy, InflightBudget::Units units) = 0;

  // Instead of its copy, a record the target cannot take (e.g. too large for the target topic)
  // goes to duplex.dlq (replicator/dead_letter.h) with `headers`, and with its key and value
  // unless `metadata_only`. It settles as a copy does: the source may commit past it only once
  // the dead letter is acknowledged (exactly-once: committed in the partition's transaction).
  // It is no copy: no offset sync maps it, and it is counted as dead-lettered, not copied.
  // Errors as for write().
  virtual kafka::KafkaError write_dead_letter(PartitionId id, SourceRecord record,
                                              kafka::HeadersPtr headers, bool metadata_only,
                                              InflightBudget::Units units) = 0;

  // Serves acknowledgements, waiting up to `wait` for the first.
  virtual void serve(std::chrono::milliseconds wait) = 0;
  // The loop asks about once a millisecond, not per record.
  virtual std::vector<SinkEvent> take_events() = 0;
  // The commit tick (every commit interval): at-least-once writes the offset syncs of what
  // settled since the last tick.
  virtual void tick() = 0;

  // The source offset below which every record of the partition is safely in the target, its
  // offset syncs included: what the source group may commit. nullopt: nothing yet.
  virtual std::optional<int64_t> committable(PartitionId id) const = 0;
  // The offset after the records the target acknowledged (for lag). nullopt: none yet.
  virtual std::optional<int64_t> acknowledged(PartitionId id) const = 0;

  // The loop has read the partition back to the rewind offset: what was queued is void.
  virtual void rewound(PartitionId id) = 0;
  // Settles or commits what is in flight for these partitions (revoked, or stopping), within
  // `timeout`; committable() tells the result. Returns how many of their records are still
  // not in the target (they are copied again by whoever reads the partition next).
  virtual size_t finish(const std::vector<PartitionId>& ids, std::chrono::milliseconds timeout) = 0;
  // Forgets these partitions; what is still in flight for them is abandoned (lost, or after
  // finish()). Late acknowledgements for them are ignored.
  virtual void close(const std::vector<PartitionId>& ids) = 0;
};

}  // namespace duplex::replicator
