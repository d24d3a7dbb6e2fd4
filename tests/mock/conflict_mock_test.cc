// Last-writer-wins between two regions, each a mock cluster with its sidecar: both regions
// write the same keys at once, with interleaved timestamps, tombstones and late local writes
// that lose; the last record of every key converges to the write with the highest
// (timestamp, rank) in both regions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "conflict/audit_record.h"
#include "kafka/mock_cluster.h"
#include "metrics/exposition.h"
#include "tests/support/last_writer_wins.h"
#include "tests/support/running_sidecar.h"
#include "tests/support/test_records.h"

namespace duplex {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::Last;
using testing::RunningSidecar;
using testing::TestRecord;

constexpr int kPartitions = 4;
constexpr int kKeys = 200;
constexpr int kRounds = 5;
constexpr int64_t kBase = 1700000000000;

// Each key's last record in the topic: what compaction keeps and a table reader ends with.
std::map<std::string, Last> last_per_key(const std::string& bootstrap) {
  return testing::last_per_key(testing::read_all(bootstrap, "orders", 0, 10s, 0ms));
}

class ConflictMock : public testing::MockRegions {
 protected:
  ConflictMock() : MockRegions(kPartitions) {}
  void SetUp() override {
    MockRegions::SetUp();
    std::string pattern =
        (std::filesystem::temp_directory_path() / "duplex-conflict-mock-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  config::Config config(const std::string& home, const std::string& source) {
    auto c = testing::sidecar_config(home, source, bootstraps_);
    c.conflict.policy = config::ConflictPolicy::last_writer_wins;
    c.conflict.region_rank = {"east", "west"};  // east wins a tie
    c.conflict.audit = true;
    c.conflict.index.dir = dir_ + "/" + home;
    c.conflict.index.memory = 8 << 20;
    return c;
  }

  // One round of writes of `region` to every key: timestamps interleave with the other
  // region's, some equal (east wins those), every seventh a tombstone.
  void write_round(const std::string& region, int round) {
    std::vector<TestRecord> records;
    for (int k = 0; k < kKeys; ++k) {
      TestRecord r;
      r.partition = k % kPartitions;  // the same partition in both regions
      r.key = "k" + std::to_string(k);
      r.timestamp = kBase + round * 10 + (region == "east" ? k % 3 : (k + 1) % 3);
      if ((k + round) % 7 != 0) r.value = region + "-" + std::to_string(round);
      records.push_back(r);
      winners_.note(region, r);
    }
    testing::produce_records(region == "east" ? east_.bootstrap() : west_.bootstrap(), "orders",
                             records);
  }

  // Both regions write every key kRounds times at once; then west writes 20 keys again with
  // old times (late losers), after the newer copies had a second to land.
  void write_workload() {
    std::thread east_writes([&] {
      for (int round = 0; round < kRounds; ++round) write_round("east", round);
    });
    for (int round = 0; round < kRounds; ++round) write_round("west", round);
    east_writes.join();
    std::vector<TestRecord> late;
    for (int k = 0; k < 20; ++k) {
      TestRecord r;
      r.partition = k % kPartitions;
      r.key = "k" + std::to_string(k);
      r.value = "west-late";
      r.timestamp = kBase - 1000;
      late.push_back(r);
      winners_.note("west", r);
    }
    std::this_thread::sleep_for(1s);
    testing::produce_records(west_.bootstrap(), "orders", late);
  }

  // Waits up to `timeout` for both regions to end every key with its last writer's record.
  bool converged(std::chrono::milliseconds timeout, std::string& why) {
    const auto want = winners_.expected();
    std::map<std::string, Last> in_east, in_west;
    bool done = testing::wait_until(
        [&] {
          in_east = last_per_key(east_.bootstrap());
          in_west = last_per_key(west_.bootstrap());
          return in_east == want && in_west == want;
        },
        timeout);
    why = "east:" + testing::differences(want, in_east) +
          "\nwest:" + testing::differences(want, in_west);
    return done;
  }

  std::string dir_;
  testing::Winners winners_{{"east", "west"}};  // east wins a tie
};

TEST_F(ConflictMock, BothRegionsWritingTheSameKeysConvergeOnTheLastWriter) {
  RunningSidecar east(config("east", "west"));
  RunningSidecar west(config("west", "east"));
  write_workload();
  std::string why;
  EXPECT_TRUE(converged(60s, why)) << why;

  const std::string west_metrics = west.scrape();
  EXPECT_GT(
      metrics::sum_samples(west_metrics, "duplex_conflict_repairs_total", {{"topic", "orders"}}), 0)
      << west_metrics;
  EXPECT_THAT(west_metrics, HasSubstr("duplex_conflict_index_entries{part=\"stored\"}"));
  EXPECT_GT(east.counters().skipped_conflict + west.counters().skipped_conflict, 0u);
  auto audited = testing::read_all(east_.bootstrap(), conflict::kAuditTopic, 1, 10s, 0ms);
  ASSERT_FALSE(audited.empty()) << "east skipped west's late losers";
  EXPECT_TRUE(conflict::decode_audit(audited[0].value.value_or("")));
  EXPECT_EQ(east.stop(), 0);
  EXPECT_EQ(west.stop(), 0);
}

TEST_F(ConflictMock, ExactlyOnceCopiesConvergeToo) {
  auto east_config = config("east", "west");
  auto west_config = config("west", "east");
  east_config.delivery = west_config.delivery = config::Delivery::exactly_once;
  RunningSidecar east(east_config);
  RunningSidecar west(west_config);
  write_workload();
  std::string why;
  EXPECT_TRUE(converged(60s, why)) << why;
  EXPECT_EQ(east.stop(), 0);
  EXPECT_EQ(west.stop(), 0);
}

// The same workload without conflict resolution: the late losers stay, the regions do not end
// with the last writer (the problem last-writer-wins solves exists in this test).
TEST_F(ConflictMock, WithoutItTheLateLosersStay) {
  auto east_config = config("east", "west");
  auto west_config = config("west", "east");
  east_config.conflict = west_config.conflict = config::ConflictSettings();
  RunningSidecar east(east_config);
  RunningSidecar west(west_config);
  write_workload();
  std::string why;
  EXPECT_FALSE(converged(5s, why));
  EXPECT_THAT(why, HasSubstr("want ")) << why;
}

}  // namespace
}  // namespace duplex
