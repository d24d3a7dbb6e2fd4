#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafka/admin_request.h"
#include "kafka/handles.h"
#include "kafka/kafka_error.h"

namespace duplex::conflict {

// A record of a home topic as the home reader sees it. Its bytes live as long as the record
// (a Kafka log keeps the consumed message in `owner`).
struct HomeRecord {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;  // nullopt: a tombstone
  int64_t timestamp = 0;
  const rd_kafka_headers_t* headers = nullptr;  // null: none
  kafka::MessagePtr owner;
};

// A winner written again after a loser: what the home reader writes.
struct Repair {
  std::string topic;
  int32_t partition = 0;
  std::string key;
  std::optional<std::string> value;  // nullopt: a tombstone
  int64_t timestamp = 0;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;  // in order
};

// The home reader's view of the home cluster: reading the managed topics in offset order per
// partition (read_committed, no group), reading one record back by its offset, and writing
// repairs with an idempotent producer. KafkaHomeLog is the real one; unit tests use a fake.
// Every call is made from the reader's thread; none waits longer than the log's own bounds.
class HomeLog {
 public:
  struct Ends {
    int64_t low = 0;   // the first offset still in the partition
    int64_t high = 0;  // the offset after the last one a read_committed reader can read now
  };
  struct Start {
    std::string topic;
    int32_t partition = 0;
    int64_t offset = 0;
  };
  struct Ack {
    uint64_t token = 0;
    kafka::KafkaError error;  // none: the repair is in the topic
  };

  virtual ~HomeLog() = default;

  // Every topic of the home cluster, with its partition count.
  virtual kafka::Result<std::map<std::string, int>> topics() = 0;
  virtual kafka::Result<Ends> ends(const std::string& topic, int32_t partition) = 0;
  // Reads these partitions too, each from its offset.
  virtual kafka::KafkaError read(const std::vector<Start>& starts) = 0;
  // The next record of the partitions read, or nullopt after `wait`.
  virtual std::optional<HomeRecord> poll(std::chrono::milliseconds wait) = 0;
  // The next offset the partition delivers: it passes transaction markers and compacted
  // offsets, which deliver nothing. nullopt: not known yet.
  virtual std::optional<int64_t> position(const std::string& topic, int32_t partition) = 0;
  // The record at `offset`; nullopt when it is not there any more (compacted, deleted).
  virtual kafka::Result<std::optional<HomeRecord>> read_at(const std::string& topic,
                                                           int32_t partition, int64_t offset) = 0;
  // Queues a repair; its acknowledgement comes from take_acks() with `token`.
  virtual kafka::KafkaError write(const Repair& repair, uint64_t token) = 0;
  // Serves the producer up to `wait` and hands over the acknowledgements since the last call.
  virtual std::vector<Ack> take_acks(std::chrono::milliseconds wait) = 0;
};

}  // namespace duplex::conflict
