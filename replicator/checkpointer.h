#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/topic_namer.h"
#include "config/topic_selector.h"
#include "kafka/group_admin.h"
#include "kafka/log_reader.h"
#include "kafka/topic_admin.h"
#include "kafka/watermarks.h"
#include "metrics/replication_metrics.h"
#include "offsets/gap_reader.h"
#include "offsets/group_selector.h"
#include "offsets/offset_index.h"
#include "offsets/offset_records.h"
#include "offsets/source_end_history.h"
#include "offsets/translation.h"

namespace duplex::replicator {

// Writes the checkpoints of one flow (source -> home) while the source is reachable, so that
// a failover needs nothing from the source:
//
//   every checkpoint.interval:
//   [1 source groups' committed offsets] ─► [2 reverse flow's commit on home] ─► [3 offset syncs:
//       ours from home, the reverse flow's from the source] ─► [4 translate] ─► checkpoints topic
//                                                                      └─[5 groups.sync]─► home
//
// The order of 1–3 matters: a run read after a commit it covers is never missing (translation.h).
// 3. A round that could not read both offset-sync topics to their ends translates nothing: a
//    translation from part of the runs is stale (a cold start, a sidecar restart).
// 4. Only partitions whose translation is known: the flow copied or passed records there, or
//    the group is at 0, and the target topic exists. A partition nothing was copied from yet
//    gets no checkpoint (it would only be a guess).
// 5. With groups.sync, groups without members on the home cluster get the translated offsets,
//    only ever forward.
class Checkpointer {
 public:
  // `named_groups`: checkpoint just these, without listing the source's groups.
  Checkpointer(const config::Config& config, const config::Flow& flow,
               const std::atomic<bool>& stop, metrics::ReplicationMetrics& metrics,
               std::vector<std::string> named_groups = {});
  // The target client's delivery reports point at this object.
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Rounds every interval until `stop` is set.
  void run();
  // One round, then the groups' checkpoint ages; false when the source could not be read
  // (nothing written then).
  bool round();

  // Checkpoint records the target acknowledged.
  uint64_t checkpoints_written() const { return written_; }
  // What the thread is doing, for a stop that takes too long (a string literal).
  const char* phase() const { return phase_.load(); }

 private:
  using TopicPartition = std::pair<std::string, int32_t>;
  // Delivery reports of one group's checkpoint records in one round.
  struct Acks {
    size_t acked = 0;
    size_t failed = 0;
    std::string error;  // the first failure's
  };

  bool write_checkpoints();
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  // Serves delivery reports until `queued` records of the round are reported, the timeout
  // passes or stop is set.
  void await_acks(size_t queued);
  // Source groups, with their committed offsets on the topics this flow copies.
  std::optional<std::map<std::string, kafka::GroupOffsets>> read_source_groups(
      const std::map<std::string, int>& topics);
  // Topics with their partition counts; nullopt when the cluster did not answer.
  std::optional<std::map<std::string, int>> list_topics(kafka::TopicAdmin& admin);
  // False when the topic could not be read to its end (a missing topic is read: no runs).
  bool read_runs(kafka::LogReader& reader, offsets::OffsetIndex& index);
  // The high watermarks of the groups' source partitions, in one request; a partition that
  // could not be read is missing (logged; its checkpoints record the end as unknown).
  kafka::PartitionEnds source_ends(const std::map<std::string, kafka::GroupOffsets>& groups);
  // offsets::translate(), reading the target where it stops at a gap before a later copy: a
  // gap that holds no record (an exactly-once flow's aborted transaction, compaction) is
  // stepped over from then on, instead of making the group re-read every copy after it.
  offsets::Translation translate(const std::string& topic, const std::string& target_topic,
                                 int32_t partition, int64_t upstream,
                                 std::optional<int64_t> reverse_at);
  void sync_group(const std::string& group, const kafka::GroupOffsets& translated);
  void update_ages();
  void warn_once(const std::string& what, const std::string& message);

  std::string name_;
  std::string home_;
  std::string source_;
  const std::atomic<bool>& stop_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds timeout_;  // each request's; a stop waits for at most one
  std::atomic<const char*> phase_{"starting"};
  bool sync_groups_;
  config::TopicSelector topics_;
  offsets::GroupSelector groups_;
  std::vector<std::string> named_groups_;
  config::TopicNamer namer_;
  std::string checkpoints_topic_;

  kafka::HandlePtr source_client_;  // admin requests and watermarks on the source
  kafka::HandlePtr target_client_;  // checkpoint writes and admin requests on the home cluster
  kafka::GroupAdmin source_groups_admin_;
  kafka::GroupAdmin target_groups_admin_;
  kafka::TopicAdmin source_topics_admin_;
  kafka::TopicAdmin target_topics_admin_;
  kafka::LogReader forward_reader_;  // this flow's runs, on the home cluster
  kafka::LogReader reverse_reader_;  // the reverse flow's runs, on the source
  offsets::OffsetIndex forward_;     // with the target ranges read empty (gaps_)
  offsets::OffsetIndex reverse_;
  offsets::SourceEndHistory source_ends_;  // of earlier rounds: when the records at risk began
  offsets::GapReader gaps_;                // on the home cluster, a budget of reads per round
  bool topic_ready_ = false;

  metrics::ReplicationMetrics& metrics_;
  prometheus::Counter& corrupt_;
  prometheus::Histogram& round_;       // each round's duration
  size_t round_groups_ = 0;            // groups read in the current round
  prometheus::Counter& write_errors_;  // checkpoint records the target did not acknowledge
  std::map<std::string, std::chrono::steady_clock::time_point> last_written_;  // by group
  std::map<std::string, std::string> warned_;  // what -> last message logged
  uint64_t written_ = 0;
  // Each group's records in a round carry a batch number (their opaque): the round's groups
  // are first_batch_ .. first_batch_ + acks_.size() - 1; reports of other batches are ignored.
  uint64_t batch_ = 0;
  uint64_t first_batch_ = 1;
  std::vector<Acks> acks_;  // by the group's place in the round
  size_t reported_ = 0;     // reports of this round's records
};

}  // namespace duplex::replicator
