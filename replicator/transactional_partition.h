#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "kafka/client_factory.h"
#include "kafka/handles.h"
#include "kafka/kafka_error.h"
#include "offsets/run_builder.h"
#include "replicator/flow_metrics.h"
#include "replicator/inflight_budget.h"
#include "replicator/source.h"

namespace duplex::replicator {

// Exactly-once copying of one source partition. Its own transactional producer writes, in one
// transaction, the copies, their offset-sync runs and the partition's progress (the next
// source offset to copy) into the target cluster. So after any crash the target holds either
// all of a transaction or none of it, and the stored progress says exactly where to resume.
//
// Fencing: the transactional id names the flow and the source partition, not the process.
// Whoever is assigned the partition calls fence() (InitProducerId) before reading the progress:
// the coordinator bumps the id's epoch, completes or aborts the previous owner's open
// transaction, and from then on rejects every write and commit of the previous owner. A zombie
// (paused past its session timeout, cut off, stuck) can therefore not add a single record once
// the partition has a new owner, and the progress the new owner reads is final.
//
// Its own thread runs the transactions, so a commit of one partition never stalls the others
// or the copy loop:
//
//   push ─► inbox ─► [1 begin] ─► [2 produce copies] ─► (interval or max.records)
//                                                              │
//     [5 committed_next, copies counted] ◄─ [4 EndTxn] ◄─ [3 flush; runs + progress]
//
// 1. A transaction begins with the first record after the last one ended.
// 2. Copies go to partition p of the target topic; skipped records only move the progress;
//    a dead letter goes to duplex.dlq in the transaction, in its copy's place.
//    A copy's budget units go back with its delivery report (librdkafka let go of it then),
//    a dead letter's once every record of the transaction is acknowledged.
// 3. Once every copy is acknowledged, their target offsets make the offset-sync runs; the
//    runs and then the progress record join the transaction.
// 4. EndTxn commits it. An abortable error aborts it instead and asks the flow to rewind
//    (rewind_request()): the copies after the stored progress are read and written again.
// 5. Only a committed transaction counts: committed_next() moves, metrics count its copies.
class TransactionalPartition {
 public:
  struct Settings {
    std::string home;  // the target region, for log lines
    kafka::Properties target_props;
    std::string transactional_id;
    TopicPartition source;
    std::string target_topic;
    std::string offset_syncs_topic;
    std::string progress_topic;
    config::TransactionSettings transaction;
    std::chrono::milliseconds stop_timeout{10000};  // to commit or abort when stopping
  };

  enum class State { running, rewinding, stopped, fenced, failed };

  TransactionalPartition(Settings settings, FlowMetrics& metrics, const TopicMetrics& topic);
  ~TransactionalPartition();  // aborts what is open
  TransactionalPartition(const TransactionalPartition&) = delete;
  TransactionalPartition& operator=(const TransactionalPartition&) = delete;

  // InitProducerId, retried while retriable until `deadline` or `cancel`: fences every
  // earlier owner. An error says why it did not happen.
  kafka::KafkaError fence(std::chrono::steady_clock::time_point deadline,
                          const std::atomic<bool>& cancel);

  // Starts copying; `next_offset` is the stored progress (-1: none stored yet).
  void start(int64_t next_offset);

  // A consumed record, in offset order: copied (with `headers`) or only passed (a skip).
  void push(SourceRecord record, kafka::HeadersPtr headers, bool copy, InflightBudget::Units units);
  // A consumed record, in offset order, that goes to duplex.dlq instead of its copy, in the
  // same transaction (Sink::write_dead_letter).
  void push_dead_letter(SourceRecord record, kafka::HeadersPtr headers, bool metadata_only,
                        InflightBudget::Units units);

  // After an aborted transaction the partition must be read again from its stored progress:
  // the flow seeks its source there and then calls rewound(), which drops what was queued.
  std::optional<int64_t> rewind_request() const;
  void rewound();

  // Stops the thread: `commit` what is open (revoked, shutting down) or abort it (lost).
  void request_stop(bool commit);
  void join();

  int64_t committed_next() const { return committed_next_.load(); }  // -1 until known
  // After join(): records taken and not committed (the next owner copies them).
  size_t uncommitted() const;
  State state() const { return state_.load(); }
  std::string failure() const;

 private:
  struct Item {
    SourceRecord record;
    kafka::HeadersPtr headers;
    bool copy;
    InflightBudget::Units units;
    bool dead_letter = false;  // to duplex.dlq instead: copy is false
    bool metadata_only = false;
  };
  struct Copy {
    int64_t source_offset;
    int64_t target_offset;  // -1 until acknowledged
    int64_t timestamp;
    size_t bytes;
    InflightBudget::Units units;  // until its delivery report
  };

  void enqueue(Item item);
  kafka::HandlePtr make_producer();
  // The producer with its target topic handle and its delivery reports watched; closing undoes
  // it in the order librdkafka needs.
  void open_producer();
  void close_producer();
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);
  // Delivery reports wake the thread (on_reports), so a copy's budget units go back as soon as
  // it is acknowledged, not at the next record or commit.
  static void on_reports(rd_kafka_t*, void* opaque);
  void run();
  void write(Item& item);
  bool begin();
  // Commits the open transaction; false when it was aborted (and a rewind requested) or the
  // partition can copy no more (fenced, failed).
  bool commit(std::chrono::milliseconds timeout);
  bool await_acknowledged(std::chrono::steady_clock::time_point deadline);
  std::chrono::steady_clock::time_point bounded_by_stop(
      std::chrono::steady_clock::time_point deadline) const;
  bool end_transaction(std::chrono::steady_clock::time_point deadline);
  void count_committed(size_t runs);
  void abort(const std::string& why);
  // Drops the open transaction's state and asks the flow to rewind the partition to the
  // stored progress (unless it is stopping); returns that offset.
  int64_t rewind_to_committed();
  // A fatal producer error: fenced (a new owner) ends the partition here; any other replaces
  // the producer and rewinds.
  void producer_failed(rd_kafka_resp_err_t code, const std::string& why);
  void end(State state, const std::string& why);
  bool produce_internal(const std::string& topic, const std::string& key, const std::string& value);
  void write_dead_letter(Item& item);
  bool abort_wanted() const;  // stopping because the partition was lost

  Settings settings_;
  FlowMetrics& metrics_;
  const TopicMetrics& topic_;
  kafka::HandlePtr producer_;
  kafka::TopicPtr target_;         // settings_.target_topic on producer_
  kafka::QueuePtr reports_queue_;  // the producer's main queue, watched by on_reports

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Item> inbox_;  // swapped with the thread's batch: both keep their capacity
  bool stop_requested_ = false;
  bool reports_waiting_ = false;       // delivery reports arrived since the thread last looked
  std::atomic<bool> stopping_{false};  // stop_requested_, for fence() and full queues
  bool stop_commits_ = false;
  // stop_requested_ + stop_timeout: a commit under way when the stop comes ends by then too.
  std::chrono::steady_clock::time_point stop_deadline_ =
      std::chrono::steady_clock::time_point::max();
  std::optional<int64_t> rewind_to_;
  std::string failure_;

  std::atomic<State> state_{State::running};
  std::atomic<int64_t> committed_next_{-1};

  // Its own thread only (delivery reports are served on it too).
  bool in_transaction_ = false;
  int recoveries_ = 0;       // producers replaced since the last commit
  uint32_t generation_ = 0;  // of the open transaction: reports of aborted ones are ignored
  std::chrono::steady_clock::time_point transaction_deadline_;
  int64_t first_offset_ = -1;  // the first record of this assignment
  int64_t next_offset_ = -1;   // after the last record written into the open transaction
  std::vector<Copy> copies_;   // of the open transaction, in source-offset order
  size_t dead_letters_ = 0;    // of the open transaction
  // The open transaction's dead letters' budget units: back when all its records are
  // acknowledged (they carry no per-record token to free them one by one) or it aborts.
  InflightBudget::Units dead_letter_units_;
  InflightBudget::Units answered_;  // of copies answered since the last poll: released at once
  rd_kafka_resp_err_t delivery_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string delivery_error_detail_;
  std::optional<offsets::RunBuilder> runs_;  // as of the open transaction
  std::optional<offsets::RunBuilder> committed_runs_;
  bool batch_void_ = false;  // a transaction was aborted: the rest of the batch is read again
  size_t abandoned_ = 0;     // records of the last aborted transaction
  std::thread thread_;
};

}  // namespace duplex::replicator
