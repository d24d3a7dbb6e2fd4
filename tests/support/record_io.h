#pragma once
// Test tools: write records to a cluster and read them back as an independent consumer.
// Not part of the duplex binary (the demo has its own pieces, on production code).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kafka/client_factory.h"

namespace duplex::testing {

// A record as the tests write or read it, with everything a copy must keep.
struct Record {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestamp = 0;
  std::vector<std::pair<std::string, std::string>> headers;

  std::optional<std::string> header(const std::string& name) const;
};

// Writes records (to their own partitions) with an idempotent producer and waits for every
// acknowledgement; throws std::runtime_error on any failure.
void produce_records(const std::string& bootstrap, const std::string& topic,
                     const std::vector<Record>& records);
// The same on a cluster given by its librdkafka properties (bootstrap.servers, security).
void produce_records(const kafka::Properties& cluster, const std::string& topic,
                     const std::vector<Record>& records);

// The same in one transaction of `transactional_id`, committed or aborted at the end.
void produce_in_transaction(const std::string& bootstrap, const std::string& topic,
                            const std::vector<Record>& records, const std::string& transactional_id,
                            bool commit);

// A transaction left open: its records are on the broker, past their partitions' last stable
// offset, where read_committed readers wait. The destructor aborts it (a bounded wait).
class OpenTransaction {
 public:
  OpenTransaction(const std::string& bootstrap, const std::string& topic,
                  const std::vector<Record>& records, const std::string& transactional_id);
  ~OpenTransaction();
  OpenTransaction(const OpenTransaction&) = delete;
  OpenTransaction& operator=(const OpenTransaction&) = delete;

 private:
  std::string delivery_error_;
  kafka::HandlePtr producer_;
};

// Reads every partition of `topic` from the beginning, read_committed, as an independent
// consumer (no group commits). Stops once it has `expected` records and has reached the
// partitions' ends as they were then (so extra, duplicate records are read too), or at
// `timeout`; then keeps reading for `linger`.
std::vector<Record> read_all(const std::string& bootstrap, const std::string& topic,
                             size_t expected, std::chrono::milliseconds timeout,
                             std::chrono::milliseconds linger = std::chrono::milliseconds(500));
std::vector<Record> read_all(const kafka::Properties& cluster, const std::string& topic,
                             size_t expected, std::chrono::milliseconds timeout,
                             std::chrono::milliseconds linger = std::chrono::milliseconds(500));

// Records in the topic: the sum of its partitions' high watermarks (no transactions assumed);
// -1 while the topic is missing or its partitions have no leader yet.
int64_t count_records(const std::string& bootstrap, const std::string& topic);
// Each partition's log start offset (low watermark: records below it are gone); empty when the
// topic cannot be read.
std::map<int, int64_t> start_offsets(const std::string& bootstrap, const std::string& topic);
// Each partition's end offset (high watermark); empty when the topic cannot be read.
std::map<int, int64_t> end_offsets(const std::string& bootstrap, const std::string& topic);
std::map<int, int64_t> end_offsets(const kafka::Properties& cluster, const std::string& topic);

}  // namespace duplex::testing
