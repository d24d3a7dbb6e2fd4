#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config.h"
#include "conflict/home_log.h"
#include "conflict/index_entry.h"
#include "conflict/index_readiness.h"
#include "conflict/key_index.h"
#include "conflict/region_ranks.h"
#include "metrics/replication_metrics.h"

namespace duplex::conflict {

// The home reader of last-writer-wins: one thread per sidecar, reading every partition of the
// managed topics of the home cluster (local writes and copies), keeping the key index and
// writing repairs (docs/conflict-resolution.md, "Observation"). A managed topic is a
// last-writer-wins topic that a copy stage asked about, or that the index has positions of
// (managed before a restart): topics no flow copies into are not read.
//
//   [1 discover] ─► [2 read] ─► [3 observe] ─┬─ newest ──────────────────► [5 store] ─► index
//                                            └─ loser ─► [4 repair] ─ack─┘
//
// 1. Every refresh, and soon when a copy stage asks about a partition it does not know, the
//    managed topics are listed; a new partition is read from its position in the index (the
//    beginning when there is none: a lost index is rebuilt) and is ready once read up to where
//    it ended then. A stored position past a new topic's end: the topic was recreated, its
//    part of the index is wiped.
// 2. Records come in offset order per partition, a batch per turn.
// 3. Version (timestamp, rank of duplex.origin or of the home region), repair flag, content
//    digest; observe() against the newest entry (this turn's, else the index's).
// 4. A loser gets the newest written again after it: a tombstone as such, anything else read
//    back by its offset (one compacted away is logged and counted, and given up). Same key,
//    value, headers and timestamp, plus duplex.repair: <home>. A failed write is tried again.
//    Only a loser that is still its key's last record read needs one: repairs wait until
//    their partition caught up (a rebuilt index meets old losers followed by their repairs),
//    and a loser followed by a newer record of its key meanwhile needs none.
// 5. Once per turn each partition's new entries go to the index in one write with its
//    position: the next offset to read, but never past a loser whose repair is not
//    acknowledged yet (at-least-once repairs: a restart reads that loser again).
//
// An index error stops the reader for good (failure()); the sidecar then stops with exit 1.
class HomeReader : public IndexReadiness {
 public:
  struct Settings {
    std::string home;
    config::ConflictSettings conflict;
    std::chrono::milliseconds refresh{10000};  // listing the managed topics
    size_t batch = 5000;                       // records per turn at most
    std::chrono::milliseconds poll_wait{100};
    std::chrono::milliseconds retry{1000};           // a failed repair or read back is tried again
    std::chrono::milliseconds finish_timeout{5000};  // stopping: repairs in flight get this
  };

  HomeReader(Settings settings, HomeLog& log, KeyIndex& index,
             metrics::ReplicationMetrics& metrics);
  ~HomeReader() override;  // stops and joins the thread
  HomeReader(const HomeReader&) = delete;
  HomeReader& operator=(const HomeReader&) = delete;

  // Turns on a thread of its own until stop(), then finish(); join() waits for that.
  void start();
  void stop() { stop_ = true; }
  void join();
  // One turn at `now`.
  void turn(std::chrono::steady_clock::time_point now);
  // Waits up to finish_timeout for the repairs in flight, then stores the positions.
  void finish();

  // IndexReadiness
  bool ready(std::string_view topic, int32_t partition) override;
  std::optional<std::string> failure() const override;

  // A partition known to the reader and not yet read up to where it ended at its start, as
  // "orders[3]" (the first of them), for /readyz; nullopt when none.
  std::optional<std::string> catching_up() const;

  // Repairs not acknowledged yet (in flight, or to be tried again).
  size_t repairs_pending() const { return repairs_.size(); }

 private:
  using Clock = std::chrono::steady_clock;
  // DESIGN's record contract (offsets::kOriginHeader): where a record was first written.
  static constexpr std::string_view kOriginHeader = "duplex.origin";

  struct Partition {
    std::string topic;
    int32_t partition = 0;
    int64_t next = 0;  // the next offset to observe
    int64_t end = 0;   // its end when the reader started it: ready once read up to there
    bool ready = false;
    std::optional<int64_t> stored;                         // the position in the index
    std::unordered_map<std::string, IndexEntry> observed;  // newest entries not stored yet
    std::multiset<int64_t> losers;  // offsets of losers whose repair is not acknowledged
  };
  struct PendingRepair {
    Partition* partition = nullptr;
    int64_t loser = 0;
    std::string key;
    // Set: to be written then (once its partition caught up); unset: in flight.
    std::optional<Clock::time_point> due;
  };

  void discover();
  // A copy stage asked about the topic, or the index has positions of it.
  bool managed(const std::string& topic);
  void start_topic(const std::string& topic, int partitions, bool known_topic,
                   std::vector<HomeLog::Start>& starts);
  void observe(const HomeRecord& record);
  std::optional<IndexEntry> newest(Partition& p, std::string_view key);
  // Writes the key's newest after the loser, unless it needs none or cannot be made (then it
  // is erased).
  void send(uint64_t token, PendingRepair& repair);
  void give_up(uint64_t token);
  void acknowledged(const HomeLog::Ack& ack);
  void store();
  void update_readiness();
  void publish_stats();
  Partition* find(std::string_view topic, int32_t partition);
  static std::string where(const std::string& topic, int32_t partition);  // "orders[3]"
  void fail(const std::string& reason);
  void error(const char* kind, const std::string& message);

  Settings settings_;
  HomeLog& log_;
  KeyIndex& index_;
  metrics::ReplicationMetrics& metrics_;
  RegionRanks ranks_;

  // The reader's thread only.
  std::map<std::pair<std::string, int32_t>, Partition> partitions_;
  std::set<std::string> topics_;  // managed topics started
  Partition* last_ = nullptr;
  std::map<uint64_t, PendingRepair> repairs_;  // by token
  uint64_t next_token_ = 1;
  Clock::time_point now_;
  std::optional<Clock::time_point> next_refresh_;
  Clock::time_point last_refresh_{};
  Clock::time_point next_positions_{};
  Clock::time_point next_stats_{};
  std::map<std::string, prometheus::Counter*> repair_counters_;
  std::string last_warning_;  // logged once until another comes

  // Shared with copy stages, under mutex_.
  mutable std::mutex mutex_;
  std::set<std::pair<std::string, int32_t>> ready_;
  std::set<std::pair<std::string, int32_t>> known_;
  std::set<std::string, std::less<>> wanted_;  // topics copy stages asked about
  std::optional<std::string> failure_;
  std::atomic<bool> refresh_wanted_{false};
  std::atomic<bool> failed_{false};

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace duplex::conflict
