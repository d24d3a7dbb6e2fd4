#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "offsets/offset_records.h"
#include "verify/range_reader.h"
#include "verify/verify_record.h"

namespace duplex::verify::testing {

// A record as a test writes it: its digest computed as summarize() does.
inline VerifyRecord record(int64_t offset, std::string key, std::string value,
                           std::optional<std::string> origin = std::nullopt,
                           std::vector<std::pair<std::string, std::string>> headers = {},
                           int64_t timestamp = 1000) {
  VerifyRecord r;
  r.offset = offset;
  r.timestamp = timestamp;
  r.key = key;
  RecordDigest digest(key, value, timestamp);
  for (const auto& [name, v] : headers) {
    digest.header(name, v);
    if (name == offsets::kRepairHeader) r.repair = true;
  }
  if (origin) digest.header(offsets::kOriginHeader, *origin);
  r.origin = std::move(origin);
  r.digest = digest.digest();
  r.bytes = key.size() + value.size();
  return r;
}

// The copy duplex writes of `r` at `offset`: the same content, the origin stamped.
inline VerifyRecord copy_of(const VerifyRecord& r, int64_t offset, const std::string& source) {
  VerifyRecord c = r;
  c.offset = offset;
  if (!c.origin) c.origin = source;
  return c;
}

// Partitions held in memory, read as RangeReader reads Kafka (offsets may have gaps).
class FakeLog : public RangeReader {
 public:
  std::map<std::pair<std::string, int32_t>, std::vector<VerifyRecord>> logs;
  std::map<std::pair<std::string, int32_t>, int64_t> ends;  // high watermark, when set
  // Where an open transaction holds read_committed reads back, when set.
  std::map<std::pair<std::string, int32_t>, int64_t> stable_end;
  std::map<std::pair<std::string, int32_t>, std::vector<int64_t>> aborted;  // their offsets
  int reads = 0;

  Result<std::map<std::string, int>> topics() override {
    std::map<std::string, int> out;
    for (const auto& [key, records] : logs)
      out[key.first] = std::max(out[key.first], key.second + 1);
    return out;
  }
  Result<Bounds> bounds(const std::string& topic, int32_t partition) override {
    const auto& records = logs[{topic, partition}];
    Bounds b;
    b.low = records.empty() ? 0 : records.front().offset;
    b.high = records.empty() ? 0 : records.back().offset + 1;
    if (auto it = ends.find({topic, partition}); it != ends.end()) b.high = it->second;
    return b;
  }
  Result<int64_t> offset_at(const std::string& topic, int32_t partition, int64_t time) override {
    for (const auto& r : logs[{topic, partition}]) {
      if (r.timestamp >= time) return r.offset;
    }
    return std::get<Bounds>(bounds(topic, partition)).high;
  }
  Result<int64_t> read(const std::string& topic, int32_t partition, int64_t from, int64_t to,
                       const std::function<void(VerifyRecord&&)>& deliver) override {
    ++reads;
    if (auto it = stable_end.find({topic, partition}); it != stable_end.end()) {
      to = std::min(to, std::max(from, it->second));
    }
    for (const auto& r : logs[{topic, partition}]) {
      if (r.offset >= from && r.offset < to) deliver(VerifyRecord(r));
    }
    return to;
  }
  Result<int64_t> count_uncommitted(const std::string& topic, int32_t partition, int64_t from,
                                    int64_t to) override {
    int64_t n = 0;
    for (int64_t offset : aborted[{topic, partition}]) n += offset >= from && offset < to;
    return n;
  }
};

}  // namespace duplex::verify::testing
