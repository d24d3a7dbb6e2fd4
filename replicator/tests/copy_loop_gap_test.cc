// Source gaps through the copy loop's fakes: records that expired on the source before they
// were copied are counted, logged with their range, and then fail the flow or are passed
// (on.source.gap); a partition that went back (re-created) is logged and copied from its start.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "offsets/offset_records.h"
#include "replicator/heartbeat.h"
#include "replicator/tests/copy_loop_fixture.h"
#include "tests/support/log_capture.h"

namespace duplex::replicator {
namespace {

using testing::CopyLoopTest;
using ::testing::HasSubstr;
using testing::kSyncs;
using ::testing::Not;

class CopyLoopGapTest : public CopyLoopTest {
 protected:
  double lost_in_registry() {
    auto text = registry_.serialize();
    const std::string series =
        "duplex_records_lost_total{flow=\"east->west\",reason=\"expired\",topic=\"orders\"} ";
    auto at = text.find(series);
    EXPECT_NE(at, std::string::npos) << text;
    return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size()));
  }
};

TEST_F(CopyLoopGapTest, TheLostSeriesExistsAtZeroBeforeAnyGap) {
  start();
  append(2);
  turns(3);
  EXPECT_EQ(lost_in_registry(), 0);
}

TEST_F(CopyLoopGapTest, AGapMidStreamIsCountedLoggedAndPassedWithContinue) {
  duplex::testing::LogCapture log;
  options_.continue_after_source_gap = true;
  start();
  append(3);
  turns(4);
  ASSERT_EQ(copied_values(), (std::vector<std::string>{"v0", "v1", "v2"}));
  append(7);               // offsets 3..9
  source_.expire(p0_, 6);  // 3, 4 and 5 expire before the loop reads them
  turns(8);
  EXPECT_EQ(copied_values(), (std::vector<std::string>{"v0", "v1", "v2", "v6", "v7", "v8", "v9"}));
  EXPECT_EQ(metrics_.counters().records_lost, 3u);
  EXPECT_EQ(lost_in_registry(), 3);
  EXPECT_EQ(log.count("source gap: orders[0] offsets 3 to 5 (3 records) expired"), 1u)
      << log.text();
  EXPECT_THAT(log.text(), HasSubstr("copying on from offset 6"));
  EXPECT_TRUE(loop_->failure().empty());

  settle();
  EXPECT_EQ(source_.committed(p0_), 10);
  // Translation of a group offset in the gap must land on the first copy after it: the run
  // after the gap starts at source 6, target 3.
  auto run = offsets::decode_run(writer_.written_to(kSyncs).back()->value);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->source, 6);
  EXPECT_EQ(run->target, 3);
  EXPECT_EQ(run->count, 4);
}

TEST_F(CopyLoopGapTest, AGapMetAgainAfterThePartitionWasLostIsCountedOnce) {
  duplex::testing::LogCapture log;
  options_.continue_after_source_gap = true;
  start();
  append(3);
  turns(4);
  settle();
  append(7);
  source_.expire(p0_, 6);
  turns(3);  // the gap is met before the group takes the partition away (a long pause)
  ASSERT_EQ(metrics_.counters().records_lost, 3u);
  source_.commit_behind_the_loop(p0_, 3);
  source_.take_away({p0_}, true);
  source_.give({p0_});
  turns(8);  // read again from the commit: the same gap
  EXPECT_EQ(metrics_.counters().records_lost, 3u);
  EXPECT_EQ(lost_in_registry(), 3);
  EXPECT_EQ(log.count("source gap:"), 1u) << log.text();
  EXPECT_EQ(copied_values().back(), "v9");
}

TEST_F(CopyLoopGapTest, ARecordReadAgainAfterAWaitIsNoJump) {
  duplex::testing::LogCapture log;
  start();
  append(2);
  turns(3);
  writer_.fail_next_write = RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;  // v2 waits for the target
  append(2);
  turns(3);
  topics_.plan({"orders"}, 4);
  turns(6);
  EXPECT_EQ(copied_values(), (std::vector<std::string>{"v0", "v1", "v2", "v3"}));
  EXPECT_THAT(log.text(), Not(HasSubstr("went back")));
  EXPECT_THAT(log.text(), Not(HasSubstr("source gap")));
}

TEST_F(CopyLoopGapTest, AGapFailsTheFlowByDefaultAndNothingPastItIsCommitted) {
  start();
  append(3);
  turns(4);
  settle();
  ASSERT_EQ(source_.committed(p0_), 3);
  append(7);
  source_.expire(p0_, 6);
  turns(4);
  EXPECT_THAT(loop_->failure(), HasSubstr("source gap: orders[0] offsets 3 to 5 (3 records)"));
  EXPECT_THAT(loop_->failure(), HasSubstr("set on.source.gap: continue"));
  EXPECT_EQ(copied_values(), (std::vector<std::string>{"v0", "v1", "v2"}));
  EXPECT_EQ(metrics_.counters().records_lost, 3u);
  writer_.answer_on_poll = true;
  loop_->finish();
  EXPECT_EQ(source_.committed(p0_), 3) << "a restart finds the same gap";
}

TEST_F(CopyLoopGapTest, AGapBeforeTheGroupsCommitIsFoundAtTheFirstRecord) {
  options_.continue_after_source_gap = true;
  source_.commit_behind_the_loop(p0_, 2);  // an earlier run copied 0 and 1
  append(10);
  source_.expire(p0_, 7);  // the sidecar was away longer than the retention
  start();
  turns(5);
  EXPECT_EQ(copied_values(), (std::vector<std::string>{"v7", "v8", "v9"}));
  EXPECT_EQ(metrics_.counters().records_lost, 5u);
}

TEST_F(CopyLoopGapTest, AGapBeforeTheStoredProgressIsFoundAtTheFirstRecord) {
  options_.continue_after_source_gap = true;
  testing::FakeSink sink;
  sink.ready_at_open = false;  // exactly-once: the stored progress says where to start
  append(10);
  source_.expire(p0_, 6);
  start(&sink);
  sink.events.push_back(SinkEvent::ready(first_id(), 2));
  turns(6);
  EXPECT_EQ(sink.offsets_written(first_id()), (std::vector<int64_t>{6, 7, 8, 9}));
  EXPECT_EQ(metrics_.counters().records_lost, 4u);
}

TEST_F(CopyLoopGapTest, HolesAboveTheLogStartAreNoLoss) {
  start();
  append(2);
  source_.append_gap(p0_);  // a transaction marker
  source_.append_gap(p0_);
  append(2);
  turns(6);
  EXPECT_EQ(copied_values(), (std::vector<std::string>{"v0", "v1", "v2", "v3"}));
  EXPECT_EQ(metrics_.counters().records_lost, 0u);
  EXPECT_TRUE(loop_->failure().empty());
}

TEST_F(CopyLoopGapTest, AMarkerAtTheEndIsSettledSoTheCommitReachesTheEnd) {
  start();
  append(2);
  source_.append_gap(p0_);  // the marker of the transaction that wrote them
  turns(4);
  settle();
  EXPECT_EQ(source_.committed(p0_), 3) << "at 2 the group would lag by the marker for ever";
  auto run = offsets::decode_run(writer_.written_to(kSyncs).back()->value);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->source, 0);
  EXPECT_EQ(run->count, 2) << "the marker is no copy";
  append(1);
  turns(3);
  settle();
  EXPECT_EQ(copied_values(), (std::vector<std::string>{"v0", "v1", "v2"}));
  EXPECT_EQ(source_.committed(p0_), 4);
  EXPECT_EQ(metrics_.counters().records_lost, 0u);
  EXPECT_TRUE(loop_->failure().empty());
}

TEST_F(CopyLoopGapTest, WithoutTheGroupsCommitAnEndBeforeAnyRecordIsNotGuessedAt) {
  // Where reading started is unknown: settling below it could copy a record twice after an
  // aborted transaction (exactly-once rewinds to the first offset it was given).
  source_.append_gap(p0_);
  source_.append_gap(p0_);
  start();
  turns(4);
  settle();
  EXPECT_EQ(source_.committed(p0_), std::nullopt);
  EXPECT_TRUE(loop_->failure().empty());
}

TEST_F(CopyLoopGapTest, RecordsThatExpiredAtTheEndAreCountedWhenTheEndIsReached) {
  duplex::testing::LogCapture log;
  options_.continue_after_source_gap = true;
  start();
  append(3);
  turns(4);
  settle();
  append(4);               // offsets 3..6
  source_.expire(p0_, 7);  // all four expire before they are read: no record follows them
  turns(4);
  settle();
  EXPECT_EQ(metrics_.counters().records_lost, 4u);
  EXPECT_EQ(log.count("source gap: orders[0] offsets 3 to 6 (4 records) expired"), 1u)
      << log.text();
  EXPECT_EQ(source_.committed(p0_), 7);
}

TEST_F(CopyLoopGapTest, ARecreatedTopicIsLoggedAndCopiedFromItsStart) {
  duplex::testing::LogCapture log;
  start();
  append(5);
  turns(6);
  source_.recreate(p0_);
  append(2);
  turns(3);
  EXPECT_EQ(copied_values(), (std::vector<std::string>{"v0", "v1", "v2", "v3", "v4", "v5", "v6"}));
  EXPECT_EQ(log.count("orders[0] went back from offset 5 to 0"), 1u) << log.text();
  EXPECT_EQ(metrics_.counters().records_lost, 0u) << "what the old topic held is unknown";
  EXPECT_TRUE(loop_->failure().empty());
}

TEST_F(CopyLoopGapTest, ATopicThatLeavesThePlanIsNamedOnceAndTheOthersGoOn) {
  duplex::testing::LogCapture log;
  start();
  topics_.plan({"orders", "payments"}, 4);
  turns(2);
  topics_.plan({"orders"}, 4);  // payments was deleted on the source
  turns(2);
  topics_.plan({"orders"}, 4);
  append(2);
  turns(4);
  EXPECT_EQ(log.count("source topic payments is gone"), 1u) << log.text();
  EXPECT_EQ(copied_values(), (std::vector<std::string>{"v0", "v1"}));
  EXPECT_EQ(source_.subscription(), std::vector<std::string>{"orders"});
}

TEST_F(CopyLoopGapTest, HeartbeatsThatExpiredAreNeitherCountedNorFatal) {
  duplex::testing::LogCapture log;
  start();
  const TopicPartition beats{kHeartbeatTopic, 0};
  topics_.plan({"orders", kHeartbeatTopic}, 1);
  source_.commit_behind_the_loop(beats, 1);
  source_.append(beats, "east");
  source_.append(beats, "east");
  source_.append(beats, "east");
  source_.expire(beats, 2);
  source_.give({beats});
  turns(6);
  EXPECT_TRUE(loop_->failure().empty()) << loop_->failure();
  EXPECT_EQ(metrics_.counters().records_lost, 0u);
  EXPECT_THAT(log.text(), Not(HasSubstr("source gap")));
}

}  // namespace
}  // namespace duplex::replicator
