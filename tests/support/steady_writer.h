#pragma once
// Steady traffic for fault tests: records keep coming while a broker or the link is away.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/record_io.h"

namespace duplex::testing {

// Writes about `per_second` records to `topic` from its own thread, a batch every 250 ms (each
// acknowledged before the next), until stopped. Record i goes to partition i % partitions with
// the value "<region>-<i>|" padded to `value_bytes`; id_of() gives its id back.
class SteadyWriter {
 public:
  SteadyWriter(std::string bootstrap, std::string topic, std::string region, int partitions,
               int per_second, size_t value_bytes)
      : thread_([=, this] { run(bootstrap, topic, region, partitions, per_second, value_bytes); }) {
  }
  ~SteadyWriter() { stop(); }
  SteadyWriter(const SteadyWriter&) = delete;
  SteadyWriter& operator=(const SteadyWriter&) = delete;

  // Ends after the batch in flight; returns how many records were written and acknowledged.
  int stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return written_;
  }
  int written() const { return written_; }
  // Why a batch failed (the writer stopped there); empty while all went well.
  std::string error() const {
    std::lock_guard lock(mu_);
    return error_;
  }

  static std::string id_of(const std::string& value) { return value.substr(0, value.find('|')); }
  static std::vector<std::string> ids(const std::string& region, int count) {
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) out.push_back(region + "-" + std::to_string(i));
    return out;
  }

 private:
  void run(const std::string& bootstrap, const std::string& topic, const std::string& region,
           int partitions, int per_second, size_t value_bytes) {
    const auto period = std::chrono::milliseconds(250);
    const int per_batch = std::max(1, per_second / 4);
    auto next = std::chrono::steady_clock::now();
    while (!stop_) {
      std::vector<Record> batch;
      const int from = written_;
      const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      for (int i = from; i < from + per_batch; ++i) {
        Record r;
        r.partition = i % partitions;
        r.key = region + "-key-" + std::to_string(i % 97);
        r.value = region + "-" + std::to_string(i) + "|";
        r.value->resize(std::max(value_bytes, r.value->size()), '.');
        r.timestamp = now;
        batch.push_back(std::move(r));
      }
      try {
        produce_records(bootstrap, topic, batch);
      } catch (const std::exception& e) {
        std::lock_guard lock(mu_);
        error_ = e.what();
        return;
      }
      written_ += per_batch;
      next += period;
      // Paced, not a synchronisation; behind schedule (a slow broker) it does not burst.
      next = std::max(next, std::chrono::steady_clock::now());
      std::this_thread::sleep_until(next);
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<int> written_{0};
  mutable std::mutex mu_;
  std::string error_;
  std::thread thread_;
};

// What `got` (values as SteadyWriter writes them) lacks of `want`, and how many repeat one.
inline std::pair<size_t, size_t> missing_and_duplicate_ids(const std::vector<std::string>& want,
                                                           const std::vector<Record>& got) {
  std::multiset<std::string> seen;
  for (const auto& r : got) seen.insert(r.value ? SteadyWriter::id_of(*r.value) : "");
  size_t missing = 0;
  for (const auto& id : want) missing += seen.count(id) == 0;
  std::set<std::string> distinct(seen.begin(), seen.end());
  return {missing, seen.size() - distinct.size()};
}

}  // namespace duplex::testing
