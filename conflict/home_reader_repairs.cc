// HomeReader, continued: repairs, from a loser observed to its repair acknowledged, and the
// stop that waits for those in flight.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "conflict/content_digest.h"
#include "conflict/home_reader.h"
#include "kafka/record_headers.h"

namespace duplex::conflict {
namespace {

using std::chrono::milliseconds;

// A key for a log line: printable bytes as they are, others escaped, long ones cut.
std::string printable(std::string_view key) {
  std::string out;
  for (unsigned char c : key.substr(0, 64)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[5];
      snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return key.size() > 64 ? out + "..." : out;
}

}  // namespace

void HomeReader::send(uint64_t token, PendingRepair& r) {
  Partition& p = *r.partition;
  auto winner = newest(p, r.key);
  if (failed_) return;
  if (!winner || winner->offset > r.loser) {  // a newer record of the key follows the loser
    give_up(token);
    return;
  }
  const std::string about = "key '" + printable(r.key) + "' of " + where(p.topic, p.partition) +
                            " after the loser at " + std::to_string(r.loser) + " (winner at " +
                            std::to_string(winner->offset) + ")";
  Repair out{p.topic, p.partition, r.key, std::nullopt, winner->version.timestamp, {}};
  if (winner->tombstone) {
    if (winner->origin != settings_.home) out.headers.emplace_back(kOriginHeader, winner->origin);
  } else {
    auto found = log_.read_at(p.topic, p.partition, winner->offset);
    if (auto* e = std::get_if<kafka::KafkaError>(&found)) {
      error("conflict_read",
            "reading back the winner to repair " + about + ": " + e->message() + " (tried again)");
      r.due = now_ + settings_.retry;
      return;
    }
    const auto& record = std::get<std::optional<HomeRecord>>(found);
    if (!record || record->key != std::string_view(r.key)) {
      error("conflict_repair", "cannot repair " + about +
                                   ": the winner is gone from the topic (compacted or deleted), "
                                   "so the loser stays the key's last record there");
      give_up(token);
      return;
    }
    out.value = record->value;
    out.timestamp = record->timestamp;
    kafka::for_each_header(record->headers, [&](auto name, auto value) {
      if (name != ContentDigest::kRepairHeader) out.headers.emplace_back(name, value);
    });
  }
  out.headers.emplace_back(ContentDigest::kRepairHeader, settings_.home);
  if (auto e = log_.write(out, token)) {
    error("conflict_repair",
          "writing the repair of " + about + ": " + e.message() + " (tried again)");
    r.due = now_ + settings_.retry;
    return;
  }
  r.due.reset();
}

void HomeReader::give_up(uint64_t token) {
  auto it = repairs_.find(token);
  auto& losers = it->second.partition->losers;
  losers.erase(losers.find(it->second.loser));
  repairs_.erase(it);
}

void HomeReader::acknowledged(const HomeLog::Ack& ack) {
  auto it = repairs_.find(ack.token);
  if (it == repairs_.end()) return;
  const Partition& p = *it->second.partition;
  if (ack.error) {
    error("conflict_repair", "a repair of key '" + printable(it->second.key) + "' of " +
                                 where(p.topic, p.partition) +
                                 " was not written: " + ack.error.message() + " (tried again)");
    it->second.due = now_ + settings_.retry;
    return;
  }
  auto& counter = repair_counters_[p.topic];
  if (!counter) counter = &metrics_.conflict_repairs(p.topic);
  counter->Increment();
  give_up(ack.token);  // done: the position may pass its loser
}

void HomeReader::finish() {
  now_ = Clock::now();
  const auto deadline = now_ + settings_.finish_timeout;
  auto in_flight = [&] {
    return std::any_of(repairs_.begin(), repairs_.end(),
                       [](const auto& r) { return !r.second.due; });
  };
  while (!failed_ && in_flight() && Clock::now() < deadline) {
    for (const auto& ack : log_.take_acks(milliseconds(50))) acknowledged(ack);
  }
  if (!failed_) store();
  if (!repairs_.empty()) {
    spdlog::warn(
        "home reader: {} repairs not written or not acknowledged at the stop: their losers "
        "are read again (and repaired) at the next start",
        repairs_.size());
  }
}

}  // namespace duplex::conflict
