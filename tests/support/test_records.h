#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace duplex::testing {

// A record as a test writes or reads it, with everything a copy must keep.
struct TestRecord {
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
                     const std::vector<TestRecord>& records);

// Reads every partition of `topic` from the beginning, read_committed, as an independent
// consumer (no group commits). Stops at `expected` records or at `timeout`, then keeps
// reading for `linger` so that extra (duplicate) records are seen too.
std::vector<TestRecord> read_all(const std::string& bootstrap, const std::string& topic,
                                 size_t expected, std::chrono::milliseconds timeout,
                                 std::chrono::milliseconds linger = std::chrono::milliseconds(500));

// Records in the topic: the sum of its partitions' high watermarks (no transactions assumed);
// -1 while the topic is missing or its partitions have no leader yet.
int64_t count_records(const std::string& bootstrap, const std::string& topic);

// Polls `done` every 50 ms until it returns true or `timeout` passes; returns its last answer.
template <class Predicate>
bool wait_until(Predicate done, std::chrono::milliseconds timeout);

}  // namespace duplex::testing

#include <thread>

template <class Predicate>
bool duplex::testing::wait_until(Predicate done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}
