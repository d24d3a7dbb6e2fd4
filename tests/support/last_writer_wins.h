#pragma once
// Last-writer-wins checks shared by the mock and real-Kafka conflict tests: the winner of each
// key among every region's writes, and what each key ends with in a topic.

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/record_io.h"

namespace duplex::testing {

// What a key ends with: its last record's value (none: a tombstone) and timestamp.
struct Last {
  std::optional<std::string> value;
  int64_t timestamp = 0;
  bool operator==(const Last&) const = default;
};

// Each key's last record among `records` of one topic, in offset order per partition: what
// compaction keeps and a table reader ends with.
inline std::map<std::string, Last> last_per_key(std::vector<Record> records) {
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
  });
  std::map<std::string, Last> out;
  for (const auto& r : records) out[r.key.value_or("")] = {r.value, r.timestamp};
  return out;
}

// The keys of `want` that `got` ends with otherwise (or lacks), and of `got` that `want` lacks.
inline std::vector<std::string> differing_keys(const std::map<std::string, Last>& want,
                                               const std::map<std::string, Last>& got) {
  std::vector<std::string> out;
  for (const auto& [key, w] : want) {
    if (auto it = got.find(key); it == got.end() || !(it->second == w)) out.push_back(key);
  }
  for (const auto& [key, g] : got) {
    if (!want.count(key)) out.push_back(key);
  }
  return out;
}

// The first few differing keys, for a failure message: " k: want v@ts, got v@ts".
inline std::string differences(const std::map<std::string, Last>& want,
                               const std::map<std::string, Last>& got) {
  auto show = [](const std::map<std::string, Last>& in, const std::string& key) {
    auto it = in.find(key);
    return it == in.end() ? std::string("nothing")
                          : it->second.value.value_or("(tombstone)") + "@" +
                                std::to_string(it->second.timestamp);
  };
  std::ostringstream out;
  auto keys = differing_keys(want, got);
  for (size_t i = 0; i < keys.size() && i < 5; ++i) {
    out << " " << keys[i] << ": want " << show(want, keys[i]) << ", got " << show(got, keys[i]);
  }
  if (keys.size() > 5) out << " (" << keys.size() << " keys)";
  return out.str();
}

// The winner of each key among the writes noted, from any thread: the highest (timestamp,
// rank), the region listed first in `region_rank` winning a tie (as conflict.region_rank).
class Winners {
 public:
  explicit Winners(std::vector<std::string> region_rank) : rank_(std::move(region_rank)) {}

  void note(const std::string& region, const Record& r) {
    const auto at = std::find(rank_.begin(), rank_.end(), region);
    const int rank = static_cast<int>(rank_.end() - at) - 1;
    std::lock_guard lock(mutex_);
    auto [it, fresh] = winners_.try_emplace(r.key.value_or(""));
    auto& w = it->second;
    if (fresh || std::tie(r.timestamp, rank) >= std::tie(w.last.timestamp, w.rank)) {
      w = {{r.value, r.timestamp}, rank};
    }
  }
  std::map<std::string, Last> expected() const {
    std::lock_guard lock(mutex_);
    std::map<std::string, Last> out;
    for (const auto& [key, w] : winners_) out[key] = w.last;
    return out;
  }

 private:
  struct Winner {
    Last last;
    int rank = 0;
  };
  const std::vector<std::string> rank_;
  mutable std::mutex mutex_;
  std::map<std::string, Winner> winners_;
};

}  // namespace duplex::testing
