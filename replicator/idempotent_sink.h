#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "offsets/run_builder.h"
#include "replicator/partition_progress.h"
#include "replicator/record_writer.h"
#include "replicator/sink.h"
#include "replicator/sync_gate.h"

namespace duplex::replicator {

// At-least-once: one idempotent producer (acks=all) writes every partition's copies and their
// offset syncs; the source may commit a partition's offset once the copies before it and the
// runs covering them are acknowledged.
//
//   write ─► [1 producer] ─ack─► [2 PartitionProgress: settle in offset order]
//                                        │ settled copies
//   tick ─► [3 RunBuilder: offset-sync runs] ─► producer ─ack─► [4 SyncGate] ─► committable
//
// 1. A copy goes to the same partition of the target topic; its pending entry holds its
//    budget units until the delivery report.
// 2. The settled prefix advances over acknowledged copies and skipped records.
// 3. At each tick, the settled copies become runs (duplex.offset-syncs.<source>).
// 4. A tick's settled prefix becomes committable once its runs are acknowledged: a commit
//    never passes a copy whose run is missing (checkpoints rely on it, offsets/translation.h).
//
// A dead letter (write_dead_letter) takes a copy's place in PartitionProgress and settles
// like a skip once acknowledged.
//
// A delivery report with an error (only a permanent one arrives: message.timeout.ms is 0 by
// default) fails the flow; the record stays pending, so its offset is never committed.
class IdempotentSink : public Sink, private DeliveryHandler {
 public:
  // `home`: the target cluster, named in errors.
  IdempotentSink(RecordWriter& writer, FlowMetrics& metrics, std::string home,
                 const std::string& offset_syncs_topic);
  ~IdempotentSink() override { writer_.set_handler(nullptr); }
  IdempotentSink(const IdempotentSink&) = delete;
  IdempotentSink& operator=(const IdempotentSink&) = delete;

  bool open(const SinkPartition& partition) override;
  kafka::KafkaError write(PartitionId id, SourceRecord record, kafka::HeadersPtr headers, bool copy,
                          InflightBudget::Units units) override;
  kafka::KafkaError write_dead_letter(PartitionId id, SourceRecord record,
                                      kafka::HeadersPtr headers, bool metadata_only,
                                      InflightBudget::Units units) override;
  void serve(std::chrono::milliseconds wait) override;
  std::vector<SinkEvent> take_events() override;
  void tick() override;
  std::optional<int64_t> committable(PartitionId id) const override;
  std::optional<int64_t> acknowledged(PartitionId id) const override;
  void rewound(PartitionId) override {}  // at-least-once asks for no rewinds
  size_t finish(const std::vector<PartitionId>& ids, std::chrono::milliseconds timeout) override;
  void close(const std::vector<PartitionId>& ids) override;

 private:
  struct Partition {
    Partition(const SinkPartition& p, RecordWriter::TopicRef target_ref)
        : id(p.id),
          source(p.source),
          target(target_ref),
          target_topic(p.target_topic),
          metrics(p.metrics),
          runs(p.source.topic, p.target_topic, p.source.partition) {}

    PartitionId id;
    TopicPartition source;
    RecordWriter::TopicRef target;
    std::string target_topic;
    const TopicMetrics* metrics;
    int64_t base_offset = -1;  // first offset written; delivery tokens are relative to it
    size_t in_flight = 0;      // written, not answered (a rejected record is answered)
    PartitionProgress progress;
    offsets::RunBuilder runs;  // the settled copies, as offset-sync runs
    SyncGate gate;             // holds the commit until its runs are acknowledged
    bool runs_lost = false;    // a run could not be written: the gate never opens past it
  };

  void on_delivery(const Delivery& delivery) override;
  void on_fatal(const std::string& reason) override { fail(reason); }
  void write_runs(PartitionId id, Partition& partition);
  void fail(const std::string& reason);
  // Queues `out` for the partition's record at `offset` and counts it pending.
  kafka::KafkaError write_pending(Partition& p, RecordWriter::TopicRef topic, OutgoingCopy out,
                                  kafka::HeadersPtr& headers, const SourceRecord& record,
                                  InflightBudget::Units units, const std::string& what);

  RecordWriter& writer_;
  FlowMetrics& metrics_;
  const std::string home_;
  std::string offset_syncs_topic_;
  RecordWriter::TopicRef offset_syncs_ref_;
  std::optional<RecordWriter::TopicRef> dead_letters_ref_;  // once the first is written
  std::unordered_map<PartitionId, Partition> partitions_;
  std::vector<SinkEvent> events_;
  bool commit_due_ = false;  // runs were acknowledged since the last take_events()
  bool failed_ = false;
};

}  // namespace duplex::replicator
