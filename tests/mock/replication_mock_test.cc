// The replication flow against two in-process mock clusters: what a copy keeps, and that
// records never loop between two regions that replicate both ways.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "kafka/mock_cluster.h"
#include "offsets/offset_records.h"
#include "replicator/sidecar.h"
#include "tests/support/group_consumer.h"
#include "tests/support/running_sidecar.h"
#include "tests/support/test_records.h"

namespace duplex {
namespace {

using namespace std::chrono_literals;
using testing::fast_options;
using ::testing::HasSubstr;
using testing::RunningSidecar;
using testing::sidecar_config;
using testing::TestRecord;

constexpr int kPartitions = 4;

std::vector<TestRecord> make_records(const std::string& region, int count,
                                     std::optional<std::string> origin = std::nullopt) {
  std::vector<TestRecord> records;
  for (int i = 0; i < count; ++i) {
    TestRecord r;
    r.partition = i % kPartitions;
    r.key = region + "-key-" + std::to_string(i);
    r.value = region + "-value-" + std::to_string(i);
    r.timestamp = 1700000000000 + i;
    r.headers = {{"trace", region + "-trace-" + std::to_string(i)}};
    if (origin) r.headers.emplace_back("duplex.origin", *origin);
    records.push_back(r);
  }
  return records;
}

class ReplicationMock : public testing::MockRegions {
 protected:
  ReplicationMock() : MockRegions(kPartitions) {}
};

TEST_F(ReplicationMock, CopyKeepsKeyValueTimestampPartitionAndHeaders) {
  auto local = make_records("east", 200);
  auto looped = make_records("back", 20, "west");  // came from west: must not go back
  testing::produce_records(east_.bootstrap(), "orders", local);
  testing::produce_records(east_.bootstrap(), "orders", looped);

  RunningSidecar west(sidecar_config("west", "east", bootstraps_));
  auto copied = testing::read_all(west_.bootstrap(), "orders", 200, 30s);
  EXPECT_TRUE(testing::wait_until([&] { return west.counters().skipped_loop == 20; }, 10s));
  EXPECT_EQ(west.stop(), 0);
  const std::string metrics = west.scrape();
  EXPECT_THAT(metrics,
              HasSubstr("duplex_records_copied_total{flow=\"east->west\",topic=\"orders\"} 200"));
  EXPECT_THAT(metrics, HasSubstr("duplex_records_skipped_total{flow=\"east->west\",reason=\"loop\","
                                 "topic=\"orders\"} 20"));
  EXPECT_THAT(metrics,
              HasSubstr("duplex_replication_latency_seconds_count{flow=\"east->west\"} 200"));

  ASSERT_EQ(copied.size(), 200u);
  std::map<std::string, TestRecord> by_key;
  for (const auto& r : copied) by_key[*r.key] = r;
  ASSERT_EQ(by_key.size(), 200u) << "duplicates among copies";
  for (const auto& want : local) {
    const auto& got = by_key.at(*want.key);
    EXPECT_EQ(got.partition, want.partition);
    EXPECT_EQ(got.value, want.value);
    EXPECT_EQ(got.timestamp, want.timestamp);
    EXPECT_EQ(got.header("trace"), want.header("trace"));
    EXPECT_EQ(got.header("duplex.origin"), "east");
  }
}

// The values of `records`, and how many of them repeat one.
std::pair<std::set<std::string>, size_t> values_of(const std::vector<TestRecord>& records) {
  std::set<std::string> values;
  for (const auto& r : records) values.insert(r.value.value_or(""));
  return {values, records.size() - values.size()};
}

TEST_F(ReplicationMock, RestartResumesFromCommittedOffsets) {
  const auto before = make_records("east", 100);
  testing::produce_records(east_.bootstrap(), "orders", before);
  {
    RunningSidecar west(sidecar_config("west", "east", bootstraps_));
    auto [copied, repeated] = values_of(testing::read_all(west_.bootstrap(), "orders", 100, 30s));
    EXPECT_EQ(copied, values_of(before).first);
    EXPECT_EQ(repeated, 0u);
    ASSERT_TRUE(testing::wait_until([&] { return west.counters().records_copied == 100; }, 10s));
    EXPECT_EQ(west.stop(), 0);
  }
  const auto later = make_records("later", 40);
  testing::produce_records(east_.bootstrap(), "orders", later);
  RunningSidecar west(sidecar_config("west", "east", bootstraps_));
  auto [copied, repeated] = values_of(testing::read_all(west_.bootstrap(), "orders", 140, 30s));
  EXPECT_EQ(west.stop(), 0);
  auto all = values_of(before).first;
  all.merge(values_of(later).first);
  EXPECT_EQ(copied, all) << "a record is missing, or one that was never written is there";
  EXPECT_EQ(repeated, 0u) << "the restart copied old records again";
  EXPECT_EQ(west.counters().records_copied, 40u) << "the restart copied old records again";
}

// MirrorMaker 2's testReplicateFromLatest: a flow that should not copy what is already there.
// duplex refuses auto.offset.reset (a new flow starts at the log start, so nothing is lost by
// default); the operator moves the flow's group to the end before its first start instead
// (docs/operations.md), and the flow copies only what is written after that, from there.
TEST_F(ReplicationMock, AFlowWhoseGroupWasMovedToTheEndCopiesOnlyLaterRecords) {
  const auto history = make_records("history", 100);
  testing::produce_records(east_.bootstrap(), "orders", history);
  kafka::GroupOffsets ends;
  for (int p = 0; p < kPartitions; ++p) ends[{"orders", p}] = 100 / kPartitions;
  testing::commit_offsets(east_.bootstrap(), offsets::flow_group_id("west", "east"), ends);

  RunningSidecar west(sidecar_config("west", "east", bootstraps_));
  const auto later = make_records("later", 40);
  testing::produce_records(east_.bootstrap(), "orders", later);
  auto [copied, repeated] = values_of(testing::read_all(west_.bootstrap(), "orders", 40, 30s, 1s));
  ASSERT_TRUE(testing::wait_until([&] { return west.counters().records_copied == 40; }, 10s));
  EXPECT_EQ(west.stop(), 0);
  EXPECT_EQ(copied, values_of(later).first) << "history was copied, or a later record is missing";
  EXPECT_EQ(repeated, 0u);
  EXPECT_EQ(west.counters().records_copied, 40u);
}

TEST_F(ReplicationMock, BothWaysEveryRecordOnceNoLoops) {
  testing::produce_records(east_.bootstrap(), "orders", make_records("east", 150));
  testing::produce_records(west_.bootstrap(), "orders", make_records("west", 150));

  RunningSidecar west(sidecar_config("west", "east", bootstraps_));
  RunningSidecar east(sidecar_config("east", "west", bootstraps_));
  // Linger a few seconds: a loop would show up as extra records.
  auto in_west = testing::read_all(west_.bootstrap(), "orders", 300, 30s, 3s);
  auto in_east = testing::read_all(east_.bootstrap(), "orders", 300, 30s, 3s);
  EXPECT_EQ(west.stop(), 0);
  EXPECT_EQ(east.stop(), 0);

  for (auto* region : {&in_west, &in_east}) {
    std::set<std::string> keys;
    std::map<std::string, int> by_origin;
    for (const auto& r : *region) {
      keys.insert(*r.key);
      // Local records carry no header; copies carry their origin.
      auto origin = r.header("duplex.origin").value_or(r.key->substr(0, 4));
      EXPECT_EQ(origin, r.key->substr(0, 4)) << *r.key;
      by_origin[origin]++;
    }
    EXPECT_EQ(region->size(), 300u);
    EXPECT_EQ(keys.size(), 300u);
    EXPECT_EQ(by_origin["east"], 150);
    EXPECT_EQ(by_origin["west"], 150);
  }
  EXPECT_EQ(west.counters().records_copied, 150u);
  EXPECT_EQ(east.counters().records_copied, 150u);
}

TEST_F(ReplicationMock, HeartbeatsReachTheOtherRegionAndNeverLoop) {
  auto options = fast_options();
  options.heartbeat_interval = 200ms;
  options.lag_interval = 200ms;
  RunningSidecar west(sidecar_config("west", "east", bootstraps_), options);
  RunningSidecar east(sidecar_config("east", "west", bootstraps_), options);
  ASSERT_TRUE(testing::wait_until(
      [&] { return west.counters().records_copied >= 5 && east.counters().records_copied >= 5; },
      30s));
  // The gauge is refreshed with lag (every 200 ms): it shows the heartbeats copied above.
  const std::string gauge = "duplex_source_silence_seconds{flow=\"east->west\"}";
  std::string metrics;
  double silence = -1;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        metrics = west.scrape();
        auto at = metrics.find(gauge);
        if (at == std::string::npos) return false;
        silence = std::stod(metrics.substr(at + gauge.size() + 1));
        return silence < 2.0;
      },
      10s))
      << "east's heartbeats are not arriving: silence " << silence << "\n"
      << metrics;
  EXPECT_EQ(west.stop(), 0);
  EXPECT_EQ(east.stop(), 0);

  for (const auto& [home, other, bootstrap] : {std::tuple{"west", "east", west_.bootstrap()},
                                               std::tuple{"east", "west", east_.bootstrap()}}) {
    std::map<std::string, int> local, copied;
    for (const auto& r : testing::read_all(bootstrap, "duplex.heartbeats", 1000, 2s, 0ms)) {
      auto origin = r.header("duplex.origin");
      (origin ? copied[*origin] : local[*r.key])++;
      EXPECT_EQ(origin.value_or(*r.key), *r.key) << "a copied heartbeat keeps its region";
    }
    EXPECT_GT(local[home], 0) << home << " wrote no heartbeats";
    EXPECT_GT(copied[other], 0) << home << " received none from " << other;
    EXPECT_EQ(copied[home], 0) << home << "'s heartbeats came back: a loop";
  }
}

}  // namespace
}  // namespace duplex
