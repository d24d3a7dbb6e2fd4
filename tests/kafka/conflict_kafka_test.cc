// Last-writer-wins between two real Kafka clusters (issue 12): both regions write the same keys
// of a compacted topic at once, each region's `duplex run` sidecar resolving conflicts; every
// key must end, in both regions, with the write of the highest (timestamp, rank). Without
// conflict resolution the same workload leaves the regions apart.
#include <gmock/gmock.h>

#include <csignal>
#include <filesystem>
#include <set>
#include <thread>

#include "conflict/audit_record.h"
#include "kafka/group_admin.h"
#include "metrics/exposition.h"
#include "metrics/http_get.h"
#include "tests/support/failover_steps.h"
#include "tests/support/group_consumer.h"
#include "tests/support/last_writer_wins.h"

namespace duplex::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kPartitions = 4;
using Clock = std::chrono::steady_clock;

// What a sidecar's /metrics says about last-writer-wins on one topic, and its key index.
struct ConflictMetrics {
  double repairs = 0;  // duplex_conflict_repairs_total
  double skips = 0;    // duplex_records_skipped_total{reason="conflict"}
  double entry_cache_bytes = 0, rocksdb_cache_bytes = 0;  // duplex_conflict_index_bytes
  double cached_entries = 0, stored_entries = 0;          // duplex_conflict_index_entries
};

std::ostream& operator<<(std::ostream& out, const ConflictMetrics& m) {
  out << m.repairs << " repairs, " << m.skips << " conflict skips; index " << m.cached_entries
      << " entries cached in " << m.entry_cache_bytes << " B";
  if (m.cached_entries > 0) out << " (" << m.entry_cache_bytes / m.cached_entries << " B/key)";
  return out << ", RocksDB cache " << m.rocksdb_cache_bytes << " B, ~" << m.stored_entries
             << " keys stored";
}

// The sum of one numeric field over the partitions of `group` in a failover --output json answer.
int64_t group_sum(const std::string& json, const std::string& group, const std::string& field) {
  const std::regex object("\\{[^{}]*\\}");
  int64_t sum = 0;
  for (std::sregex_iterator it(json.begin(), json.end(), object), end; it != end; ++it) {
    const std::string part = it->str();
    if (part.find("\"group\":\"" + group + "\"") != std::string::npos)
      sum += sum_field(part, field);
  }
  return sum;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class ConflictKafka : public FailoverSteps {
 protected:
  void SetUp() override {
    FailoverSteps::SetUp();
    topic_ = prefix_ + ".accounts";
    base_ = kafka::now_ms();
    for (const auto& bootstrap : {kEast, kWest}) {
      Cluster(bootstrap).create_topic(topic_, kPartitions, {{"cleanup.policy", "compact"}});
    }
  }
  void TearDown() override {
    east_.reset();  // killed if still running, before their index directories go
    west_.reset();
    for (const auto& home : {"east", "west"}) std::filesystem::remove_all(index_dir(home));
  }

  static std::string other(const std::string& home) { return home == "east" ? "west" : "east"; }
  static const std::string& bootstrap(const std::string& region) {
    return region == "east" ? kEast : kWest;
  }
  std::unique_ptr<Process>& sidecar(const std::string& home) {
    return home == "east" ? east_ : west_;
  }
  std::filesystem::path index_dir(const std::string& home) { return dir_ / ("index-" + home); }

  // Starts (or starts again) the sidecar of `home`, pulling from the other region, with
  // `policy_` for every topic, east winning a timestamp tie, and its own index directory.
  void start(const std::string& home, const std::string& extra = "") {
    std::string conflict = "conflict: { policy: " + policy_;
    if (policy_ != "none") {
      conflict += ", region_rank: [east, west], audit: true, index: { memory: 16MiB, dir: \"" +
                  index_dir(home).string() + "\" }";
    }
    sidecar(home) = start_sidecar(home, other(home), "", conflict + " }\n" + extra);
  }
  void start_both(const std::string& extra = "") {
    start("east", extra);
    start("west", extra);
  }

  // One region's write of key k in `round`: timestamps interleave with the other region's,
  // a third of them equal (east wins those), and a round's writes are newer than the last
  // round's. `late`: odd keys get a time of two rounds before (older than what the region
  // holds already: local losers). With tombstones_, every seventh write is one.
  Record write_of(const std::string& region, int round, int k, bool late) {
    Record r;
    r.partition = k % kPartitions;  // the same partition in both regions
    r.key = "k" + std::to_string(k);
    const int stamp_round = late && k % 2 == 1 ? round - 2 : round;
    r.timestamp = base_ + stamp_round * 10 + (stamp_round != round ? 5 : 0) +
                  (region == "east" ? k % 3 : (k / 3) % 3);
    if (!tombstones_ || (k + round) % 7 != 0) {
      r.value = region + "-" + std::to_string(round) + "-" + std::to_string(k);
    }
    return r;
  }
  void write_round(const std::string& region, int round, bool late = false) {
    std::vector<Record> batch;
    for (int k = 0; k < keys_; ++k) {
      batch.push_back(write_of(region, round, k, late));
      winners_.note(region, batch.back());
    }
    produce_records(bootstrap(region), topic_, batch);
    writes_ += keys_;
  }

  // Round 0 in both regions, copied both ways: then the sidecars copy, and their home readers
  // know the topic, before the rounds that race them.
  void write_first_round() {
    write_round("east", 0);
    write_round("west", 0);
    EXPECT_TRUE(await_flow_committed("west", "east", topic_, kPartitions));
    EXPECT_TRUE(await_flow_committed("east", "west", topic_, kPartitions));
  }

  // Rounds [1, rounds) of every key in both regions at once, each region at its own pace: west,
  // the slower, writes rounds older than copies of east's that landed already (its losers are
  // repaired), and east receives west's copies after its own newer writes (they are skipped).
  void write_rounds(int rounds, std::chrono::milliseconds east_pause,
                    std::chrono::milliseconds west_pause) {
    std::thread east_writes([&] {
      for (int round = 1; round < rounds; ++round) {
        write_round("east", round);
        std::this_thread::sleep_for(east_pause);
      }
    });
    for (int round = 1; round < rounds; ++round) {
      write_round("west", round);
      std::this_thread::sleep_for(west_pause);
    }
    east_writes.join();
  }

  // One more round in both regions while both sidecars are stopped (SIGSTOP): each region's
  // copy of a key lands after its own write of it, as writes closer together than the
  // replication lag do. Odd keys are late: each region's own write of them loses there.
  void write_crossing_round(int round) {
    for (auto* s : {east_.get(), west_.get()}) s->signal(SIGSTOP);
    std::thread east_writes([&] { write_round("east", round, true); });
    write_round("west", round, true);
    east_writes.join();
    for (auto* s : {east_.get(), west_.get()}) s->signal(SIGCONT);
  }

  // The workload of the convergence tests: a first round, paced rounds, a crossing round.
  void write_workload(int rounds, std::chrono::milliseconds east_pause,
                      std::chrono::milliseconds west_pause) {
    write_first_round();
    write_rounds(rounds, east_pause, west_pause);
    write_crossing_round(rounds);
  }

  // Each key's last record in each region, now.
  void read_regions() {
    east_last_ = last_per_key(read_all(kEast, topic_, 0, 10s, 0ms));
    west_last_ = last_per_key(read_all(kWest, topic_, 0, 10s, 0ms));
  }
  size_t diverged() const { return differing_keys(east_last_, west_last_).size(); }

  // Waits up to `timeout` (reading both regions every second) for both to end every key with
  // its winner.
  ::testing::AssertionResult converged(std::chrono::seconds timeout) {
    const auto want = winners_.expected();
    const bool done = wait_until(
        [&] {
          read_regions();
          if (east_last_ == want && west_last_ == want) return true;
          std::this_thread::sleep_for(1s);
          return false;
        },
        timeout);
    if (done) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << diverged() << " keys differ between the regions after " << timeout.count()
           << " s; against the winners, east:" << differences(want, east_last_)
           << "\nwest:" << differences(want, west_last_);
  }

  ConflictMetrics scrape(const std::string& home) {
    const std::string m = metrics::body_of(metrics::http_get(metrics_port(home), "/metrics"));
    ConflictMetrics out;
    out.repairs = metrics::sum_samples(m, "duplex_conflict_repairs_total", {{"topic", topic_}});
    out.skips = metrics::sum_samples(m, "duplex_records_skipped_total",
                                     {{"topic", topic_}, {"reason", "conflict"}});
    out.entry_cache_bytes =
        metrics::sum_samples(m, "duplex_conflict_index_bytes", {{"part", "entry_cache"}});
    out.rocksdb_cache_bytes =
        metrics::sum_samples(m, "duplex_conflict_index_bytes", {{"part", "rocksdb_cache"}});
    out.cached_entries =
        metrics::sum_samples(m, "duplex_conflict_index_entries", {{"part", "cached"}});
    out.stored_entries =
        metrics::sum_samples(m, "duplex_conflict_index_entries", {{"part", "stored"}});
    return out;
  }
  // Both sidecars' metrics once their index gauges (published every 5 s) count every key.
  std::pair<ConflictMetrics, ConflictMetrics> scrape_settled() {
    std::pair<ConflictMetrics, ConflictMetrics> m;
    wait_until(
        [&] {
          m = {scrape("east"), scrape("west")};
          return m.first.cached_entries >= keys_ && m.second.cached_entries >= keys_;
        },
        10s);
    return m;
  }

  // Both sidecars stop cleanly.
  void terminate_both() {
    EXPECT_EQ(east_->terminate(), 0) << log_of(*east_);
    EXPECT_EQ(west_->terminate(), 0) << log_of(*west_);
  }

  std::string topic_;
  std::string policy_ = "last-writer-wins";
  int keys_ = 2000;
  bool tombstones_ = true;
  int64_t base_ = 0;  // the first round's time
  size_t writes_ = 0;
  Winners winners_{{"east", "west"}};  // east wins a tie
  std::unique_ptr<Process> east_, west_;
  std::map<std::string, Last> east_last_, west_last_;
};

// 1. Both regions write the same 2,000 keys at once; both end with every key's winner.
TEST_F(ConflictKafka, BothRegionsWritingTheSameKeysConvergeOnTheLastWriter) {
  start_both();
  write_workload(3, 0ms, 300ms);
  const auto written = Clock::now();
  EXPECT_TRUE(converged(90s)) << log_of(*east_) << log_of(*west_);
  const double took = seconds_since(written);
  const auto [east, west] = scrape_settled();
  std::cout << "[ conflict ] " << keys_ << " keys, " << writes_ << " writes: " << diverged()
            << " keys diverged, converged " << took << " s after the last write\n"
            << "[ conflict ] east: " << east << "\n[ conflict ] west: " << west << "\n";
  EXPECT_EQ(diverged(), 0u);
  // Both ways of resolving happened: losers written locally were repaired, older copies
  // skipped (the crossing round's late keys make both certain in each region).
  EXPECT_GT(east.repairs, 0);
  EXPECT_GT(west.repairs, 0);
  EXPECT_GT(east.skips, 0);
  EXPECT_GT(west.skips, 0);
  EXPECT_GT(east.entry_cache_bytes, 0);
  terminate_both();
}

// 2. A local write older than the copy of its key that landed before it: the region repairs
// it (the winner written again, with its value, headers and timestamp), the other skips its
// copy, and both end equal.
TEST_F(ConflictKafka, LocalWriteThatLosesIsRepaired) {
  keys_ = 100;
  start_both();
  write_round("east", 0);
  ASSERT_TRUE(await_flow_committed("west", "east", topic_, kPartitions));
  std::vector<Record> late;
  for (int k = 0; k < keys_; ++k) {
    Record r = write_of("west", 0, k, false);
    r.value = "west-late-" + std::to_string(k);
    r.timestamp = base_ - 60000;  // a minute older than east's
    winners_.note("west", r);
    late.push_back(r);
  }
  produce_records(kWest, topic_, late);
  EXPECT_TRUE(converged(60s)) << log_of(*east_) << log_of(*west_);

  // West, per key: east's copy, the late loser, then the repair: the copy again plus
  // duplex.repair (a tombstone winner: null value, its time and origin).
  std::map<std::string, std::vector<Record>> in_west;
  auto west_records = read_all(kWest, topic_, 0, 10s, 0ms);
  std::sort(west_records.begin(), west_records.end(), [](const auto& a, const auto& b) {
    return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
  });
  for (const auto& r : west_records) in_west[*r.key].push_back(r);
  ASSERT_EQ(in_west.size(), static_cast<size_t>(keys_));
  const std::vector<std::pair<std::string, std::string>> repair_headers = {
      {"duplex.origin", "east"}, {"duplex.repair", "west"}};
  for (int k = 0; k < keys_; ++k) {
    const Record winner = write_of("east", 0, k, false);
    const auto& records = in_west[*winner.key];
    ASSERT_EQ(records.size(), 3u) << *winner.key;
    EXPECT_EQ(records[0].value, winner.value) << *winner.key;
    EXPECT_EQ(records[1].value, "west-late-" + std::to_string(k));
    EXPECT_EQ(records[2].value, winner.value) << *winner.key;
    EXPECT_EQ(records[2].timestamp, winner.timestamp) << *winner.key;
    EXPECT_EQ(records[2].headers, repair_headers) << *winner.key;
  }
  // East holds its own writes only: the late copies were skipped, repairs are never copied.
  EXPECT_EQ(count_records(kEast, topic_), keys_);

  // West repaired each late write once. East skipped each late copy, and each of west's repairs
  // (never copied): both are counted with reason "conflict".
  ConflictMetrics east, west;
  EXPECT_TRUE(wait_until(
      [&] {
        east = scrape("east"), west = scrape("west");
        return west.repairs == keys_ && east.skips == 2 * keys_;
      },
      10s))
      << "east: " << east << "\nwest: " << west;
  EXPECT_EQ(east.repairs, 0);
  EXPECT_EQ(west.skips, 0);
  // Each skipped copy is in east's audit topic (shared by the tests: this topic's only).
  std::vector<conflict::AuditRecord> audited;
  EXPECT_TRUE(wait_until(
      [&] {
        audited.clear();
        for (const auto& r : read_all(kEast, conflict::kAuditTopic, 0, 10s, 0ms)) {
          auto a = conflict::decode_audit(r.value.value_or(""));
          if (a && a->topic == topic_) audited.push_back(*a);
        }
        return audited.size() == static_cast<size_t>(keys_);
      },
      20s))
      << audited.size() << " audited";
  for (const auto& a : audited) {
    EXPECT_EQ(a.origin, "west");
    EXPECT_EQ(a.winner_origin, "east");
    EXPECT_LT(a.version, a.winner);
  }
  std::cout << "[ late loser ] " << keys_ << " keys: " << diverged()
            << " keys diverged; east: " << east << "\n[ late loser ] west: " << west << "\n";
  terminate_both();
}

// 3. Sidecars stopped mid-stream while both regions keep writing: west killed (SIGKILL) and
// started again; east stopped (SIGTERM), its index directory deleted, started again (it
// rebuilds the index from its topic before copying). The regions still converge.
TEST_F(ConflictKafka, RestartsAndALostIndexStillConverge) {
  start_both();
  write_first_round();
  size_t east_log_before = 0;
  int east_exit = -1;
  std::thread restarts([&] {
    std::this_thread::sleep_for(1500ms);  // deliberate: in the middle of the writes
    west_->kill9();
    start("west");
    std::this_thread::sleep_for(2s);
    east_exit = east_->terminate();
    east_log_before = log_of(*east_).size();
    std::filesystem::remove_all(index_dir("east"));
    start("east");
  });
  write_rounds(6, 700ms, 1000ms);
  restarts.join();
  write_crossing_round(6);
  const auto written = Clock::now();
  EXPECT_TRUE(converged(90s)) << log_of(*east_) << log_of(*west_);
  const double took = seconds_since(written);
  EXPECT_EQ(east_exit, 0) << log_of(*east_);
  // East's index was rebuilt: it holds every key again.
  EXPECT_TRUE(std::filesystem::exists(index_dir("east")));
  const auto [east, west] = scrape_settled();
  EXPECT_GE(east.cached_entries, keys_) << east;
  EXPECT_THAT(log_of(*east_).substr(east_log_before),
              HasSubstr(topic_ + "[0] is in the key index"));
  std::cout << "[ restarts ] " << keys_ << " keys, " << writes_ << " writes: " << diverged()
            << " keys diverged, converged " << took << " s after the last write\n"
            << "[ restarts ] east (since its restart): " << east
            << "\n[ restarts ] west (since its restart): " << west << "\n";
  terminate_both();
}

// 4. The same workload without conflict resolution: the regions end apart (the problem exists).
TEST_F(ConflictKafka, WithoutItTheRegionsDiverge) {
  policy_ = "none";
  start_both();
  write_workload(3, 0ms, 300ms);
  ASSERT_TRUE(await_flow_committed("west", "east", topic_, kPartitions));
  ASSERT_TRUE(await_flow_committed("east", "west", topic_, kPartitions));
  read_regions();
  const auto want = winners_.expected();
  const size_t east_wrong = differing_keys(want, east_last_).size();
  const size_t west_wrong = differing_keys(want, west_last_).size();
  std::cout << "[ no conflict resolution ] " << keys_ << " keys, " << writes_
            << " writes: " << diverged() << " keys diverged; not the last writer's: " << east_wrong
            << " in east, " << west_wrong << " in west\n";
  EXPECT_GT(diverged(), 0u);
  terminate_both();
}

// 5. Consumer groups of a last-writer-wins topic, each at another point of east's topic, move
// to west with `duplex failover`, east's broker stopped: each misses nothing it had not read
// (of what both regions hold), and reads again exactly as many records as failover said.
TEST_F(ConflictKafka, FailoverMissesNothingAndReportsEveryReRead) {
  keys_ = 300;
  tombstones_ = false;  // records are told apart by value
  start_both("checkpoint: { interval: 1s }\n");
  write_workload(5, 100ms, 300ms);
  ASSERT_TRUE(converged(60s)) << log_of(*east_) << log_of(*west_);

  // Groups that consumed 1/5, 2/5, ... of each partition of east's topic (their commits set
  // directly, as an application that read that far); east is lost.
  const auto east_all = read_all(kEast, topic_, 0, 10s, 0ms);
  const auto east_ends = end_offsets(kEast, topic_);
  kafka::HandlePtr client = kafka::make_client(
      "test", RD_KAFKA_PRODUCER, kafka::make_conf("test", {{"bootstrap.servers", kEast}}, {}));
  kafka::GroupAdmin east_groups(client.get(), "east", {{"bootstrap.servers", kEast}});
  std::map<std::string, std::vector<Record>> in_east;
  std::map<std::string, int64_t> committed;  // the sum over partitions
  for (int fifth = 1; fifth <= 4; ++fifth) {
    const std::string group = prefix_ + "-g" + std::to_string(fifth);
    kafka::GroupOffsets commits;
    for (const auto& [partition, end] : east_ends) {
      commits[{topic_, partition}] = end * fifth / 5;
      committed[group] += end * fifth / 5;
    }
    ASSERT_FALSE(east_groups.alter(group, commits, 10s));
    for (const auto& r : east_all) {
      if (r.offset < commits[{topic_, r.partition}]) in_east[group].push_back(r);
    }
  }
  const int64_t settled = await_reverse_settled("west", "east", topic_, kPartitions);
  for (const auto& [group, sum] : committed) await_checkpoint("west", "east", group, sum, settled);
  const auto west_all = read_all(kWest, topic_, 0, 10s, 0ms);
  Brokers brokers;
  brokers.stop("east");
  Outcome moved = failover("west", "east", "--group-regex '" + prefix_ + "-g.*' --output json");
  ASSERT_EQ(moved.exit_code, 0) << moved.output;

  const auto in_east_topic = ids(east_all);
  std::map<std::pair<int32_t, int64_t>, const Record*> west_at;
  for (const auto& r : west_all) west_at[{r.partition, r.offset}] = &r;
  for (const auto& [group, read] : in_east) {
    std::vector<Record> in_west;
    {
      GroupConsumer app(kWest, group, topic_);
      in_west = app.read(west_all.size(), 60s, 2s);
    }
    const int64_t reported = group_sum(moved.output, group, "rereads");
    // Owed: what west holds of east's topic (by value: repairs repeat their winner's) that the
    // group had not read there. Copies east skipped as older than its own are not in its topic.
    const auto read_in_east = ids(read), read_in_west = ids(in_west);
    std::set<std::string> missing;
    for (const auto& r : west_all) {
      if (in_east_topic.count(*r.value) && !read_in_east.count(*r.value) &&
          !read_in_west.count(*r.value)) {
        missing.insert(*r.value);
      }
    }
    // Re-read: the original or a copy of a record the group read in east. A repair (west's
    // own write of a winner again, never copied) is none: the group never read it.
    size_t reread = 0, repeated_winners = 0;
    std::set<std::pair<int32_t, int64_t>> positions;
    for (const auto& r : in_west) {
      positions.insert({r.partition, r.offset});
      const bool read_before = read_in_east.count(*r.value) > 0;
      if (west_at.at({r.partition, r.offset})->header("duplex.repair")) {
        repeated_winners += read_before;
      } else {
        reread += read_before;
      }
    }
    std::cout << "[ conflict failover ] " << group << ": " << west_all.size()
              << " records in west, " << east_all.size() << " in east; read " << read.size()
              << " in east, " << in_west.size() << " in west; missing " << missing.size()
              << ", re-read " << reread << " (failover reported " << reported << "), and "
              << repeated_winners << " repairs of winners read in east\n";
    EXPECT_EQ(missing.size(), 0u) << group << ", e.g. "
                                  << (missing.empty() ? "" : *missing.begin());
    EXPECT_EQ(positions.size(), in_west.size()) << group << ": a record read twice in west";
    EXPECT_EQ(static_cast<int64_t>(reread), reported) << group;
  }
  brokers.start("east");
  terminate_both();
}

}  // namespace
}  // namespace duplex::testing
