#pragma once

#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/handles.h"
#include "kafka/kafka_error.h"

namespace duplex::replicator {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

std::string to_string(const TopicPartition& tp);  // "orders[3]"

// A record read from the source. Its bytes belong to the source and live as long as the
// record (a Kafka source keeps the consumed message in `owner`): a sink that keeps anything
// longer copies it, or keeps the record.
struct SourceRecord {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  const void* key = nullptr;  // null: a null key
  size_t key_len = 0;
  const void* value = nullptr;  // null: a tombstone
  size_t value_len = 0;
  int64_t timestamp = 0;                        // the source's (CreateTime kept); 0: none
  const rd_kafka_headers_t* headers = nullptr;  // null: none
  std::optional<std::string_view> origin;       // its duplex.origin header, set by the loop
  kafka::MessagePtr owner;                      // null when the source keeps the bytes itself

  size_t size() const { return key_len + value_len; }
};

// What a Source tells its reader about the group's decisions. Called from within
// Source::poll(), on the reader's thread.
class SourceListener {
 public:
  virtual ~SourceListener() = default;
  // The listener calls Source::assign() for exactly these before returning.
  virtual void on_assigned(const std::vector<TopicPartition>& partitions) = 0;
  // The listener finishes (revoked) or abandons (lost: another reader may own them already)
  // its work on these, then calls Source::unassign() for them before returning.
  virtual void on_revoked(const std::vector<TopicPartition>& partitions, bool lost) = 0;
  // These commits succeeded.
  virtual void on_committed(const std::map<TopicPartition, int64_t>& offsets) = 0;
  // The reader holds every record of the partition below `end`, its end for now: offsets
  // between the last record delivered and `end` hold none (transaction markers, aborted
  // transactions), or expired before they were read. Said once each time the end is reached.
  virtual void on_partition_end(const TopicPartition& partition, int64_t end) = 0;
  // The source can read no more (a fatal client error).
  virtual void on_fatal(const std::string& reason) = 0;
};

// The cluster a flow reads from, as a member of the flow's consumer group. Every call but the
// watermark ones is made from the reading thread; none of those waits on the network except
// poll() (up to its timeout) and a synchronous commit.
class Source {
 public:
  virtual ~Source() = default;

  virtual void set_listener(SourceListener* listener) = 0;
  // The next record, or nullopt after `timeout`; rebalances and commit results are served
  // meanwhile, through the listener.
  virtual std::optional<SourceRecord> poll(std::chrono::milliseconds timeout) = 0;
  virtual kafka::KafkaError subscribe(const std::vector<std::string>& topics) = 0;
  // Incremental: adds or removes these partitions; an added one starts where the group
  // committed (or per auto.offset.reset).
  virtual kafka::KafkaError assign(const std::vector<TopicPartition>& partitions) = 0;
  virtual kafka::KafkaError unassign(const std::vector<TopicPartition>& partitions) = 0;
  // A paused partition delivers nothing until resumed; whatever was fetched for it and not yet
  // delivered is dropped, and fetched again on resume.
  virtual kafka::KafkaError pause(const std::vector<TopicPartition>& partitions) = 0;
  virtual kafka::KafkaError resume(const std::vector<TopicPartition>& partitions) = 0;
  // The partition's next record is the one at `offset` (or after it). Fails while a newly
  // assigned partition has not started fetching yet: try again a little later.
  virtual kafka::KafkaError seek(const TopicPartition& partition, int64_t offset) = 0;
  // Asynchronous unless `sync`; successes are reported through on_committed().
  virtual kafka::KafkaError commit(const std::map<TopicPartition, int64_t>& offsets, bool sync) = 0;

  // The group's committed offsets of these partitions (those it has), asked now: where an
  // assignment starts reading. Empty when the group coordinator does not answer in time.
  virtual std::map<TopicPartition, int64_t> committed(
      const std::vector<TopicPartition>& partitions) = 0;
  // The partition's log start offset as the last fetch saw it (no request): records below it
  // are gone from the source. nullopt: unknown.
  virtual std::optional<int64_t> log_start(const TopicPartition& partition) = 0;

  // Thread-safe, for lag: the partition's high watermark, from the last fetch or (when
  // `ask_broker`, e.g. for a paused partition that does not fetch) asked now. nullopt: unknown.
  virtual std::optional<int64_t> high_watermark(const TopicPartition& partition,
                                                bool ask_broker) = 0;
  // Thread-safe: the offset the reader consumes next; nullopt before the first record.
  virtual std::optional<int64_t> position(const TopicPartition& partition) = 0;
};

}  // namespace duplex::replicator
