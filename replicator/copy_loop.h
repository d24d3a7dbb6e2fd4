#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "replicator/backpressure.h"
#include "replicator/flow_metrics.h"
#include "replicator/inflight_budget.h"
#include "replicator/record_judge.h"
#include "replicator/sink.h"
#include "replicator/source.h"
#include "replicator/topic_feed.h"

namespace duplex::replicator {

struct CopyLoopOptions {
  std::chrono::milliseconds commit_interval{1000};
  std::chrono::milliseconds hold_before_pause{1000};  // over the budget this long: pause fetching
  std::chrono::milliseconds flush_timeout{10000};     // revoke and stop: settle what is in flight
  std::chrono::milliseconds lag_interval{2000};
  // A partition that cannot be read from its start offset (seek) or whose target partition
  // is missing for this long fails the flow, with the reason.
  std::chrono::milliseconds start_limit{60000};
  // Records that expired on the source before they were copied (source_jump.h) are counted
  // and logged; then the flow fails (exit 1, nothing committed past them) unless this is set.
  bool continue_after_source_gap = false;
  // A copy larger than the target takes (the target topic's max.message.bytes, or the
  // producer's message.max.bytes, the smaller) fails the flow or goes to duplex.dlq.
  config::OversizedPolicy oversized = config::OversizedPolicy::fail;
  size_t producer_max_bytes = 1000000;  // librdkafka's default message.max.bytes
};

// The copy path of one flow, on one thread:
//
//   source ─poll─► [1 origin filter] ─► [2 stages] ─► [3 sink: write] ─ack─► [4 committable]
//     ▲                                                                          │
//     └──────────────────────── [5 commit on the source group] ◄────────────────┘
//
// 0. The record's offset is checked against the one expected: records that expired on the
//    source before they were read (a gap) are counted and logged, then fail the flow or, with
//    on.source.gap: continue, are passed; a partition that went back (re-created) is logged
//    (copy_loop_checks.cc, with the size check of step 3).
// 1. The origin header decides: a loop (origin = home) or a mesh record from a third region is
//    skipped; the rest is copied, stamped with the source region when it has no origin.
// 2. Further stages may skip a record (conflict resolution: an older version than the
//    target's), or make its partition wait until they can judge it (from that record on).
// 3. Every record, copied or skipped, goes to the sink in offset order with its share of the
//    in-flight budget; the sink gives the budget back as the target acknowledges. A copy
//    larger than the target takes never reaches the producer (where it would fail its whole
//    batch): errors.oversized fails the flow before it, or sends it to duplex.dlq instead.
// 4. The sink says how far each partition is safely in the target, offset syncs included.
// 5. Every commit interval (and as soon as the sink says so) that offset is committed on the
//    source: a crash re-copies at most what came after it and loses nothing. Every 10 s all
//    offsets go out, changed or not, so a late older commit cannot leave the group behind.
//
// Besides records, each turn takes:
//  - topic plans (what to subscribe to, where each topic goes, whether its target partition
//    exists), found on TopicWatcher's thread;
//  - sink events: a partition ready (exactly-once: after its earlier owners were fenced, on the
//    sink's threads), a rewind (an aborted transaction), a partition fenced, a failure;
//  - back-pressure: over the budget the loop holds (takes no records, waits on
//    acknowledgements) and after hold_before_pause also pauses the fetch of every partition.
//
// A partition is copied only in state `copying`; in every other state it is paused at the
// source and the records that still arrive for it are dropped, to be read again (seek) from
// the first one dropped (copy_loop_start.cc; one standing for 10 s is named in the log). So
// the loop itself never waits on the network but in poll() and in a revoke or stop, which
// settle in-flight work within flush_timeout.
class CopyLoop : private SourceListener {
 public:
  struct Parts {
    Source& source;
    Sink& sink;
    TopicFeed& topics;
    InflightBudget& budget;
    FlowMetrics& metrics;
    LagBoard* lag = nullptr;
  };

  CopyLoop(Parts parts, RecordJudge judge, CopyLoopOptions options, const std::atomic<bool>& stop);
  CopyLoop(const CopyLoop&) = delete;
  CopyLoop& operator=(const CopyLoop&) = delete;

  // Turns until `stop` is set or the flow fails, then finish(): 0 after a clean stop, 1 after
  // a failure.
  int run();
  // One turn at `now`.
  void turn(std::chrono::steady_clock::time_point now);
  // Settles what is in flight (within flush_timeout), commits it (a commit that fails or is not
  // answered in time fails the flow: exit 1 says it could not), and lets go of the sink's
  // partitions.
  void finish();

  const std::string& failure() const { return failure_; }
  bool holding() const { return backpressure_.holding(); }
  bool fetch_paused() const { return backpressure_.fetch_paused(); }

 private:
  using Clock = std::chrono::steady_clock;

  enum class State {
    waiting_for_target,  // the target topic lacks the partition (yet)
    starting,            // the sink prepares it (exactly-once: fencing, reading progress)
    waiting_for_stages,  // a stage cannot judge its records yet (conflict: index catching up)
    seeking,             // the source is to read it from `seek_to` first
    copying,
    fenced,  // another worker copies it now; kept until the group takes it away
  };
  struct Partition {
    PartitionId id = 0;
    TopicPartition tp;
    std::string target_topic;
    const TopicMetrics* metrics = nullptr;
    State state = State::starting;
    bool in_sink = false;
    bool paused = false;                             // at the source, by this loop
    std::optional<int64_t> resume_from;              // first record dropped while not copying
    std::optional<int64_t> seek_to;                  // read from here before copying
    std::optional<Clock::time_point> waiting_since;  // for start_limit
    Clock::time_point since;                         // when it entered its state
    bool said_waiting = false;                       // named in the log once while it waits
    std::optional<int64_t> committed;                // on the source group
    int64_t first_offset = -1;                       // first record taken in this assignment
    // The offset the next record should have: after the last one taken, or where the
    // assignment starts (the group's commit, the sink's stored progress, a rewind).
    std::optional<int64_t> expected;
  };

  // SourceListener
  void on_assigned(const std::vector<TopicPartition>& partitions) override;
  void on_revoked(const std::vector<TopicPartition>& partitions, bool lost) override;
  void on_committed(const std::map<TopicPartition, int64_t>& offsets) override;
  void on_partition_end(const TopicPartition& partition, int64_t end) override;
  void on_fatal(const std::string& reason) override { fail(reason); }

  void apply_plan(TopicPlan plan);
  void take_sink_events();
  void advance_waiting();
  void handle(SourceRecord record);
  // Step 0: false when the flow failed on it.
  bool pass_jump(Partition& p, int64_t offset);
  // Writes the sink's answer for the record at `offset` into the partition's state.
  void written(Partition& p, int64_t offset, const kafka::KafkaError& error);
  // The largest record batch the target takes for `target_topic`, and what says so.
  std::pair<size_t, std::string> size_limit(const std::string& target_topic) const;
  void oversized(Partition& p, SourceRecord record, kafka::HeadersPtr headers, size_t bytes);
  Partition* find(std::string_view topic, int32_t partition);
  void open_in_sink(Partition& p);
  void ready(Partition& p, std::optional<int64_t> offset);
  void wait_for_target(Partition& p);
  void wait_for_stages(Partition& p);
  void enter(Partition& p, State state);
  // The states advance_waiting() moves on: not copying yet, and not by the loop's choice.
  static bool waits(State state);
  void start_copying(Partition& p);
  // False when the source refused (counted and logged); a refused resume is tried again at
  // the next commit tick.
  bool set_paused(std::vector<Partition*> partitions, bool paused);
  void apply_backpressure();  // pauses or resumes the fetch of every partition being copied
  bool resume_copying();
  // Commits what the sink calls committable; `only` limits it to those partitions.
  kafka::KafkaError commit(bool sync, const std::vector<TopicPartition>* only = nullptr);
  void publish_lag();
  void forget(const TopicPartition& tp);
  void fail(const std::string& reason);

  Source& source_;
  Sink& sink_;
  TopicFeed& topics_;
  InflightBudget& budget_;
  FlowMetrics& metrics_;
  LagBoard* lag_;
  RecordJudge judge_;
  CopyLoopOptions options_;
  const std::atomic<bool>& stop_;
  Backpressure backpressure_;

  TopicPlan plan_;
  size_t smallest_limit_;  // of every planned target topic: a record below it needs no lookup
  std::vector<std::string> subscribed_;  // sorted source topics
  std::map<TopicPartition, Partition> partitions_;
  std::unordered_map<PartitionId, TopicPartition> by_id_;
  // Per source partition, across assignments: the end of the last gap counted. A partition
  // lost and assigned again (a pause past the session) meets the same gap once more.
  std::map<TopicPartition, int64_t> counted_gaps_;
  Partition* last_ = nullptr;  // the partition of the last record: most records follow it
  bool any_waiting_ = false;   // a partition waits for its target, its stages or a seek
  PartitionId next_id_ = 1;

  bool commit_due_ = false;
  bool resume_pending_ = false;  // a resume was refused
  Clock::time_point now_;        // the current turn's
  Clock::time_point next_events_;
  std::optional<Clock::time_point> next_commit_;  // set at the first turn
  Clock::time_point next_full_commit_{};          // see kFullCommitInterval
  std::optional<Clock::time_point> next_lag_;
  std::string failure_;  // non-empty once the flow has failed
};

}  // namespace duplex::replicator
