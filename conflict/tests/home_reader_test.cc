// The home reader through a fake home cluster: the index it keeps, the repairs it writes and
// when its positions pass them, readiness, restarts and a lost index.
#include "conflict/home_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "conflict/tests/fake_home_log.h"
#include "conflict/tests/temp_key_index.h"
#include "tests/support/log_capture.h"

namespace duplex::conflict {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Headers = testing::FakeHomeLog::Headers;

constexpr int kEast = 1;  // region_rank: [east, west]; home: west
constexpr int kWest = 0;

class HomeReaderTest : public ::testing::Test {
 protected:
  HomeReaderTest() {
    log_.create("orders", 2);
    log_.create("payments", 1);  // policy none: not read
    log_.create("duplex.heartbeats", 1);
  }

  // `ask`: as a copy stage does, so that orders is read from the first turn.
  void start(size_t batch = 5000, bool ask = true) {
    HomeReader::Settings settings;
    settings.home = "west";
    settings.conflict.topics = {{"orders.*", config::ConflictPolicy::last_writer_wins}};
    settings.conflict.region_rank = {"east", "west"};
    settings.batch = batch;
    settings.finish_timeout = 300ms;
    reader_ = std::make_unique<HomeReader>(settings, log_, *index_, metrics_);
    if (ask) reader_->ready("orders", 0);
  }
  void turns(int n) {
    for (int i = 0; i < n; ++i) {
      now_ += 1ms;
      reader_->turn(now_);
    }
  }
  // A copy from east, and a local write (no origin header).
  int64_t from_east(const std::string& key, std::optional<std::string> value, int64_t ts,
                    Headers headers = {}, int32_t partition = 0) {
    headers.insert(headers.begin(), {"duplex.origin", "east"});
    return log_.append("orders", partition, key, std::move(value), ts, std::move(headers));
  }
  int64_t local(const std::string& key, std::optional<std::string> value, int64_t ts,
                int32_t partition = 0) {
    return log_.append("orders", partition, key, std::move(value), ts);
  }
  std::string scrape() const { return metrics_.serialize(); }

  testing::FakeHomeLog log_;
  testing::TempKeyIndex index_;
  metrics::ReplicationMetrics metrics_{"test"};
  std::unique_ptr<HomeReader> reader_;
  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::now();
};

TEST_F(HomeReaderTest, RebuildsTheIndexFromTheTopicAndIsReadyOnlyOnceCaughtUp) {
  local("k1", "v1", 100);
  from_east("k1", "v2", 200);
  local("k2", "v", 50);
  local("k2", std::nullopt, 60);
  local("k3", "p1", 10, /*partition=*/1);
  start(/*batch=*/1);
  EXPECT_FALSE(reader_->ready("orders", 0)) << "nothing read yet";
  turns(2);
  EXPECT_FALSE(reader_->ready("orders", 0)) << "half read: never a decision from it";
  EXPECT_EQ(reader_->catching_up(), "orders[0]") << "what /readyz says";
  turns(4);
  EXPECT_TRUE(reader_->ready("orders", 0));
  EXPECT_TRUE(reader_->ready("orders", 1));
  EXPECT_EQ(reader_->catching_up(), std::nullopt);
  EXPECT_FALSE(reader_->ready("payments", 0)) << "not last-writer-wins";
  auto k1 = index_.get("orders", "k1");
  ASSERT_TRUE(k1);
  EXPECT_EQ(k1->version, (Version{200, kEast}));
  EXPECT_EQ(k1->offset, 1);
  EXPECT_EQ(k1->origin, "east");
  auto k2 = index_.get("orders", "k2");
  ASSERT_TRUE(k2);
  EXPECT_TRUE(k2->tombstone);
  EXPECT_EQ(k2->version, (Version{60, kWest})) << "a local write has the home region's rank";
  EXPECT_EQ(index_.position("orders", 0), 4);
  EXPECT_EQ(index_.position("orders", 1), 1);
  EXPECT_TRUE(log_.unanswered().empty()) << "no loser: no repair";
}

TEST_F(HomeReaderTest, ALoserIsFollowedByItsWinnerAgainAndPositionsPassItOnlyOnceAcknowledged) {
  from_east("k", "winner", 200, {{"trace", "t1"}, {"duplex.repair", "east"}});
  local("k", "loser", 100);  // written late, with an older time: compaction would keep it
  local("other", "x", 5);
  start();
  turns(2);
  ASSERT_EQ(log_.unanswered().size(), 1u);
  const Repair& repair = log_.unanswered()[0].second;
  EXPECT_EQ(repair.topic, "orders");
  EXPECT_EQ(repair.partition, 0);
  EXPECT_EQ(repair.key, "k");
  EXPECT_EQ(repair.value, "winner");
  EXPECT_EQ(repair.timestamp, 200);
  EXPECT_EQ(repair.headers,
            (Headers{{"duplex.origin", "east"}, {"trace", "t1"}, {"duplex.repair", "west"}}))
      << "the winner's headers, its own repair header replaced by ours";
  EXPECT_TRUE(reader_->ready("orders", 0)) << "decisions need the entries, not the repair";
  EXPECT_EQ(index_.position("orders", 0), 1) << "not past the loser while its repair is out";
  EXPECT_TRUE(index_.get("orders", "other")) << "entries after the loser are stored";
  turns(3);
  EXPECT_EQ(index_.position("orders", 0), 1);

  log_.answer();  // lands at offset 3
  turns(3);
  EXPECT_EQ(index_.position("orders", 0), 4);
  EXPECT_TRUE(log_.unanswered().empty()) << "the repair itself is the newest: no second one";
  EXPECT_EQ(index_.get("orders", "k")->offset, 3);
  EXPECT_THAT(scrape(), HasSubstr("duplex_conflict_repairs_total{topic=\"orders\"} 1"));
}

TEST_F(HomeReaderTest, AFailedRepairIsWrittenAgainAndHoldsThePosition) {
  from_east("k", "winner", 200);
  local("k", "loser", 100);
  start();
  turns(2);
  log_.answer(1, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT);
  turns(2);
  EXPECT_TRUE(log_.unanswered().empty()) << "tried again after a while, not at once";
  EXPECT_EQ(reader_->repairs_pending(), 1u);
  now_ += 1s;
  turns(1);
  ASSERT_EQ(log_.unanswered().size(), 1u);
  EXPECT_EQ(index_.position("orders", 0), 1);
  log_.answer();
  turns(3);
  EXPECT_EQ(index_.position("orders", 0), 3);
  EXPECT_THAT(scrape(), HasSubstr("duplex_errors_total{flow=\"west\",kind=\"conflict_repair\"} 1"));
}

TEST_F(HomeReaderTest, AStopWaitsForTheRepairsInFlightWithinItsBound) {
  from_east("k", "winner", 200);
  local("k", "loser", 100);
  local("later", "x", 1);
  start();
  turns(2);
  ASSERT_EQ(log_.unanswered().size(), 1u);
  auto began = std::chrono::steady_clock::now();
  reader_->finish();  // the target never answers
  EXPECT_LT(std::chrono::steady_clock::now() - began, 2s);
  EXPECT_EQ(index_.position("orders", 0), 1) << "the loser is read again at the next start";

  from_east("k2", "winner", 200);
  local("k2", "loser", 100);
  reader_.reset();
  start();
  turns(2);
  log_.answer();  // both repairs of k (again) and k2 land before the stop ends
  reader_->finish();
  EXPECT_EQ(index_.position("orders", 0), 5);
}

TEST_F(HomeReaderTest, ATombstoneWinnerIsWrittenAgainWithoutReadingItBack) {
  from_east("k", std::nullopt, 300, {{"trace", "dropped"}});
  local("k", "revived", 100);
  log_.failing_read_backs = 100;
  start();
  turns(2);
  ASSERT_EQ(log_.unanswered().size(), 1u);
  const Repair& repair = log_.unanswered()[0].second;
  EXPECT_EQ(repair.value, std::nullopt);
  EXPECT_EQ(repair.timestamp, 300);
  EXPECT_EQ(repair.headers, (Headers{{"duplex.origin", "east"}, {"duplex.repair", "west"}}));
  EXPECT_EQ(log_.read_backs, 0);
  log_.answer();
  turns(3);
  EXPECT_TRUE(log_.unanswered().empty()) << "the tombstone's repair is its newest";
  EXPECT_EQ(index_.position("orders", 0), 3);
}

TEST_F(HomeReaderTest, ARepairOfAnOlderEqualVersionIsALoserToo) {
  // East wrote k twice in one millisecond (x, then w); a repair with x lands after w.
  from_east("k", "x", 500);
  from_east("k", "w", 500);
  log_.append("orders", 0, "k", "x", 500, {{"duplex.origin", "east"}, {"duplex.repair", "west"}});
  start();
  turns(2);
  ASSERT_EQ(log_.unanswered().size(), 1u);
  EXPECT_EQ(log_.unanswered()[0].second.value, "w");
}

TEST_F(HomeReaderTest, AWinnerCompactedAwayIsLoggedCountedAndGivenUp) {
  from_east("k", "winner", 200);
  start();
  turns(2);
  log_.compact_away("orders", 0, 0);
  local("k", "loser", 100);
  duplex::testing::LogCapture log;
  turns(2);
  EXPECT_TRUE(log_.unanswered().empty());
  EXPECT_THAT(log.text(), HasSubstr("error home reader: cannot repair key 'k' of orders[0] after "
                                    "the loser at 1 (winner at 0): the winner is gone"));
  EXPECT_THAT(scrape(), HasSubstr("duplex_errors_total{flow=\"west\",kind=\"conflict_repair\"} 1"));
  EXPECT_EQ(index_.position("orders", 0), 2) << "keeps going";
}

TEST_F(HomeReaderTest, AReadBackThatFailsIsTriedAgain) {
  from_east("k", "winner", 200);
  local("k", "loser", 100);
  log_.failing_read_backs = 1;
  start();
  turns(2);
  EXPECT_TRUE(log_.unanswered().empty());
  now_ += 1s;
  turns(1);
  EXPECT_EQ(log_.unanswered().size(), 1u);
}

TEST_F(HomeReaderTest, ARestartGoesOnFromThePositionsAndALostIndexIsRebuilt) {
  from_east("k", "winner", 200);
  local("k", "loser", 100);
  start();
  turns(2);
  log_.answer();
  turns(2);
  ASSERT_EQ(index_.position("orders", 0), 3);
  reader_.reset();

  local("k2", "later", 400);  // offset 3
  index_.reopen();
  start();
  turns(2);
  EXPECT_TRUE(reader_->ready("orders", 0));
  EXPECT_TRUE(log_.unanswered().empty()) << "the loser is not read again";
  EXPECT_EQ(index_.position("orders", 0), 4);
  reader_.reset();

  index_.reopen(/*lose=*/true);
  start(/*batch=*/2);
  turns(1);
  EXPECT_FALSE(reader_->ready("orders", 0)) << "rebuilding";
  turns(3);
  EXPECT_TRUE(reader_->ready("orders", 0));
  EXPECT_EQ(index_.get("orders", "k")->offset, 2) << "the repair is the newest again";
  EXPECT_EQ(index_.get("orders", "k2")->version, (Version{400, kWest}));
  EXPECT_TRUE(log_.unanswered().empty()) << "the loser was repaired already: the repair follows";
}

TEST_F(HomeReaderTest, AStoredPositionPastTheEndMeansTheTopicWasRecreated) {
  index_.put("orders", "stale", {{900, kEast}, 41, false, "east", 0});  // position 42
  local("stale", "fresh", 100);
  start();
  turns(2);
  EXPECT_TRUE(reader_->ready("orders", 0));
  EXPECT_EQ(index_.get("orders", "stale")->version, (Version{100, kWest}));
  EXPECT_TRUE(log_.unanswered().empty());
}

TEST_F(HomeReaderTest, OnlyTopicsCopiedIntoOrIndexedBeforeAreRead) {
  log_.create("orders.local", 1);  // last-writer-wins, but no flow copies into it
  log_.append("orders.local", 0, "k", "v", 1);
  start();
  turns(2);
  EXPECT_FALSE(index_.position("orders.local", 0));
  EXPECT_TRUE(index_.position("orders", 0));
  reader_.reset();
  local("k", "v", 1);
  start(5000, /*ask=*/false);
  turns(2);  // no stage asked yet: read because the index knows it
  EXPECT_EQ(index_.position("orders", 0), 1);
}

TEST_F(HomeReaderTest, APartitionAskedForBeforeItIsKnownIsLookedForSoon) {
  start();
  turns(1);
  EXPECT_FALSE(reader_->ready("orders.new", 0));
  log_.create("orders.new", 1);  // created by a flow's topic watcher meanwhile
  turns(1);
  EXPECT_FALSE(reader_->ready("orders.new", 0)) << "not at once: at most a listing a second";
  now_ += 1s;
  turns(1);
  EXPECT_TRUE(reader_->ready("orders.new", 0)) << "empty: nothing to read";
}

TEST_F(HomeReaderTest, LosersFollowedByANewerRecordOfTheirKeyNeedNoRepair) {
  from_east("k", "winner", 200);
  local("k", "loser", 100);
  from_east("k", "newer", 300);
  start();
  turns(2);
  EXPECT_TRUE(log_.unanswered().empty());
  EXPECT_EQ(index_.position("orders", 0), 3);
}

}  // namespace
}  // namespace duplex::conflict
