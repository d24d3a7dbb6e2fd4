#pragma once

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "kafka/admin_request.h"
#include "kafka/log_reader.h"
#include "replicator/sink.h"
#include "replicator/transactional_partition.h"

namespace duplex::replicator {

// Exactly-once: each assigned source partition gets a TransactionalPartition, whose producer
// writes its copies, their offset syncs and its progress (duplex.progress.<source>) in one
// transaction per commit interval.
//
//   open ─► [1 fence earlier owners] ─► [2 read stored progress] ─► ready(progress) ─► write…
//           └──────────── on a starter thread, never the copy loop's ────────────┘
//
// 1. InitProducerId with the partition's transactional id ends the previous owner's open
//    transaction and fences it; tried for transaction.fence_timeout, then the flow fails with
//    the reason.
// 2. Only then is the stored progress final; the loop reads the partition from there (or, with
//    none stored, from where the source group committed). One read serves every partition
//    fenced before it began: an assignment's partitions start together, not in turn.
// A partition revoked or lost while it starts is waited for (its fence must not land after
// the next owner's), then dropped.
class TransactionalSink : public Sink {
 public:
  struct Settings {
    std::string home;
    kafka::Properties target_props;
    std::string transactional_id_prefix;  // + "<topic>.<partition>"
    std::string offset_syncs_topic;
    std::string progress_topic;
    config::TransactionSettings transaction;
    std::chrono::milliseconds stop_timeout{10000};
    std::chrono::milliseconds read_timeout{15000};  // reading the stored progress
  };

  TransactionalSink(Settings settings, FlowMetrics& metrics, const std::atomic<bool>& stop);
  ~TransactionalSink() override;  // waits for starters, aborts what is open

  bool open(const SinkPartition& partition) override;
  kafka::KafkaError write(PartitionId id, SourceRecord record, kafka::HeadersPtr headers, bool copy,
                          InflightBudget::Units units) override;
  kafka::KafkaError write_dead_letter(PartitionId id, SourceRecord record,
                                      kafka::HeadersPtr headers, bool metadata_only,
                                      InflightBudget::Units units) override;
  void serve(std::chrono::milliseconds wait) override;
  std::vector<SinkEvent> take_events() override;
  void tick() override {}  // transactions commit on their own threads
  std::optional<int64_t> committable(PartitionId id) const override;
  std::optional<int64_t> acknowledged(PartitionId id) const override { return committable(id); }
  void rewound(PartitionId id) override;
  size_t finish(const std::vector<PartitionId>& ids, std::chrono::milliseconds timeout) override;
  void close(const std::vector<PartitionId>& ids) override;

 private:
  struct Partition {
    SinkPartition sink;
    std::unique_ptr<TransactionalPartition> txn;
    std::future<kafka::Result<int64_t>> starting;  // valid while fencing and reading
    std::atomic<bool> cancel{false};               // stop starting: revoked or lost
    bool started = false;
    bool reported = false;  // fenced or failed was told to the loop
  };

  // Fences and reads the stored progress (-1: none); runs on a starter thread.
  kafka::Result<int64_t> start(Partition& partition);
  void check_starters(std::vector<SinkEvent>& events);
  void check_partitions(std::vector<SinkEvent>& events);
  // Waits for the partition's starter (if it still runs) and stops its transactions.
  void stop(Partition& partition, bool commit);

  Settings settings_;
  FlowMetrics& metrics_;
  const std::atomic<bool>& stop_;
  std::mutex progress_mutex_;         // the reader and stored progress, shared by starters
  kafka::LogReader progress_reader_;  // read incrementally: what was added since last time
  std::map<std::string, int64_t> stored_progress_;  // progress key -> next offset
  std::atomic<uint64_t> reads_begun_{0};  // of progress_reader_, counted under progress_mutex_
  kafka::KafkaError last_read_;           // the outcome of the last read begun
  std::unordered_map<PartitionId, std::unique_ptr<Partition>> partitions_;
  std::vector<SinkEvent> events_;
};

}  // namespace duplex::replicator
