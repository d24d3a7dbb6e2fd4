// The copy loop through fakes of its source, its producer and its topic feed: every step of the
// pipeline, back-pressure, rebalances, rewinds and failures, in milliseconds.
#include "replicator/copy_loop.h"

#include <gtest/gtest.h>

#include "offsets/offset_records.h"
#include "replicator/tests/copy_loop_fixture.h"
#include "tests/support/log_capture.h"

namespace duplex::replicator {
namespace {

using namespace std::chrono_literals;
using testing::CopyLoopTest;
using testing::FakeRecordWriter;
using testing::kSyncs;
using testing::Written;

TEST_F(CopyLoopTest, CopiesKeepKeyValueTimestampAndHeadersAndCarryTheirOrigin) {
  start();
  EXPECT_EQ(source_.subscription(), std::vector<std::string>{"orders"});
  source_.append(p0_, "plain", {{"trace", "t1"}}, 1700000000123);
  source_.append_from(p0_, "came-from-west", "west");  // a loop: never goes back
  source_.append_from(p0_, "stamped-in-east", "east");
  turns(5);
  auto written = copies();
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0]->value, "plain");
  EXPECT_EQ(written[0]->key, "key-plain");
  EXPECT_EQ(written[0]->partition, 0);
  EXPECT_EQ(written[0]->timestamp, 1700000000123);
  EXPECT_EQ(written[0]->header("trace"), "t1");
  EXPECT_EQ(written[0]->header("duplex.origin"), "east") << "stamped with the source region";
  EXPECT_EQ(written[1]->value, "stamped-in-east");
  EXPECT_EQ(written[1]->headers.size(), 1u) << "an origin already there is not stamped again";
  EXPECT_EQ(metrics_.counters().skipped_loop, 1u);
  EXPECT_EQ(metrics_.counters().records_received, 3u);
}

TEST_F(CopyLoopTest, CommitCoversOnlyTheAcknowledgedPrefixAndWaitsForItsRuns) {
  start();
  append(4);
  turns(5);
  ASSERT_EQ(copies().size(), 4u);
  writer_.answer([&](const Written& w) { return is_copy(w) && w.target_offset < 2; });
  turns(1);
  tick();  // runs for the two acknowledged copies go out; not acknowledged yet: no commit
  ASSERT_EQ(writer_.written_to(kSyncs).size(), 1u);
  EXPECT_EQ(source_.committed(p0_), std::nullopt);
  writer_.answer_topic(kSyncs);
  turns(2);
  EXPECT_EQ(source_.committed(p0_), 2) << "records 2 and 3 are still in flight";

  writer_.answer();
  turns(1);
  tick();
  writer_.answer_topic(kSyncs);
  turns(2);
  EXPECT_EQ(source_.committed(p0_), 4);
  auto run = offsets::decode_run(writer_.written_to(kSyncs).back()->value);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->source, 0);
  EXPECT_EQ(run->target, 0);
  EXPECT_EQ(run->count, 4) << "the open run grew to cover all four copies";
  EXPECT_EQ(metrics_.counters().records_copied, 4u);
}

TEST_F(CopyLoopTest, AnIdleFlowSaysItsOffsetsAgainSoAnOlderCommitLandingLateIsUndone) {
  start();
  append(4);
  turns(5);
  writer_.answer();
  turns(1);
  tick();
  writer_.answer_topic(kSyncs);
  turns(2);
  ASSERT_EQ(source_.committed(p0_), 4);
  source_.commit_behind_the_loop(p0_, 2);
  tick();
  EXPECT_EQ(source_.committed(p0_), 2) << "unchanged offsets wait for the full commit";
  now_ += 10s;
  tick();
  EXPECT_EQ(source_.committed(p0_), 4);
}

TEST_F(CopyLoopTest, SourceCommitNeverPassesAnUnacknowledgedRun) {
  start();
  append(3);
  turns(4);
  writer_.answer(is_copy);
  turns(1);
  for (int i = 0; i < 5; ++i) tick();  // runs written, never acknowledged
  EXPECT_EQ(source_.committed(p0_), std::nullopt);
  writer_.answer_topic(kSyncs);
  turns(2);
  EXPECT_EQ(source_.committed(p0_), 3);
}

TEST_F(CopyLoopTest, LoopSkipsBetweenCopiesSettleWithTheRecordsAroundThem) {
  start();
  append(1);                                   // 0: copied
  source_.append_from(p0_, "back-1", "west");  // 1: loop
  source_.append_from(p0_, "back-2", "west");  // 2: loop
  append(1);                                   // 3: copied
  turns(5);
  ASSERT_EQ(copied_values(), (std::vector<std::string>{"v0", "v1"}));
  writer_.answer([&](const Written& w) { return is_copy(w) && w.value == "v0"; });
  turns(1);
  tick();
  writer_.answer_topic(kSyncs);
  turns(2);
  EXPECT_EQ(source_.committed(p0_), 3) << "past the loops, up to the copy still in flight";
  writer_.answer();
  turns(1);
  tick();
  writer_.answer_topic(kSyncs);
  turns(2);
  EXPECT_EQ(source_.committed(p0_), 4);
  // The loops sit between two copies that the target holds next to each other: two runs.
  auto runs = writer_.written_to(kSyncs);
  auto last = offsets::decode_run(runs.back()->value);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->source, 3);
  EXPECT_EQ(last->target, 1);
}

TEST_F(CopyLoopTest, HoldsThenPausesUnderASlowTargetAndResumesWhenItCatchesUp) {
  start(nullptr, /*max_records=*/4);
  append(20);
  turns(20);
  EXPECT_EQ(copies().size(), 5u) << "stops taking records once over the budget";
  EXPECT_TRUE(loop_->holding());
  EXPECT_FALSE(source_.paused(p0_)) << "holds first: a pause drops what was prefetched";
  now_ += options_.hold_before_pause;
  turns(1);
  EXPECT_TRUE(loop_->fetch_paused());
  EXPECT_TRUE(source_.paused(p0_));
  turns(5);
  EXPECT_EQ(copies().size(), 5u);

  writer_.answer();
  turns(2);
  EXPECT_FALSE(loop_->holding());
  EXPECT_FALSE(source_.paused(p0_));
  for (int i = 0; i < 40 && copies().size() < 20; ++i) {
    writer_.answer();
    turns(1);
  }
  EXPECT_EQ(copies().size(), 20u);
  writer_.answer();
  turns(1);
  EXPECT_EQ(budget_->records(), 0u) << "every acknowledged record gave its budget back";
}

TEST_F(CopyLoopTest, RevokeSettlesWhatIsInFlightAndCommitsItBeforeLettingGo) {
  start();
  append(3);
  turns(4);
  ASSERT_EQ(writer_.unanswered(), 3u);
  writer_.answer_on_poll = true;  // the target answers while the revoke waits for it
  source_.take_away({p0_}, /*lost=*/false);
  turns(1);
  EXPECT_EQ(source_.committed(p0_), 3);
  EXPECT_FALSE(source_.assigned(p0_));
  EXPECT_EQ(metrics_.counters().assigned_partitions, 0u);
  EXPECT_EQ(budget_->records(), 0u);
}

TEST_F(CopyLoopTest, ALostPartitionIsLetGoWithoutCommittingAndLateAnswersAreIgnored) {
  start();
  append(3);
  turns(4);
  source_.take_away({p0_}, /*lost=*/true);
  turns(1);
  EXPECT_EQ(source_.committed(p0_), std::nullopt) << "another worker may own it already";
  EXPECT_FALSE(source_.assigned(p0_));
  EXPECT_EQ(budget_->records(), 0u) << "its in-flight records were dropped";
  writer_.answer();
  turns(2);
  tick();
  EXPECT_TRUE(loop_->failure().empty());
  EXPECT_EQ(writer_.written_to(kSyncs).size(), 0u) << "no runs for a partition let go";
}

TEST_F(CopyLoopTest, ARejectedRecordFailsTheFlowAndItsOffsetIsNeverCommitted) {
  start();
  append(3);
  turns(4);
  writer_.answer([](const Written& w) { return is_copy(w) && w.value != "v1"; });
  writer_.answer([](const Written& w) { return w.value == "v1"; },
                 RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  turns(2);
  EXPECT_NE(loop_->failure().find("orders[0]@1"), std::string::npos) << loop_->failure();
  writer_.answer_on_poll = true;
  loop_->finish();
  EXPECT_EQ(source_.committed(p0_), 1) << "up to the rejected record, not past it";
}

TEST_F(CopyLoopTest, ACopyRefusedForWantOfWriteNamesTheTargetTopicAndThePermission) {
  start();
  append(3);
  turns(4);
  writer_.answer([](const Written& w) { return is_copy(w) && w.value != "v1"; });
  writer_.answer([](const Written& w) { return w.value == "v1"; },
                 RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  turns(2);
  EXPECT_NE(loop_->failure().find("orders[0]@1: cluster west: not authorized: duplex's principal "
                                  "needs WRITE on topic orders (TOPIC_AUTHORIZATION_FAILED"),
            std::string::npos)
      << loop_->failure();
  writer_.answer_on_poll = true;
  loop_->finish();
  EXPECT_EQ(source_.committed(p0_), 1) << "up to the refused record, not past it";
}

TEST_F(CopyLoopTest, APermissionTheTopicFeedWasRefusedStopsTheFlow) {
  start();
  append(3);
  turns(4);
  EXPECT_TRUE(loop_->failure().empty());
  topics_.refusal = "cluster west: not authorized: duplex's principal needs CREATE on topic t";
  turns(2);
  EXPECT_EQ(loop_->failure(), *topics_.refusal);
}

TEST_F(CopyLoopTest, AnAbortedTransactionRewindsTheSource) {
  testing::FakeSink sink;
  start(&sink);
  append(5);
  turns(6);
  ASSERT_EQ(sink.offsets_written(first_id()), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  sink.events.push_back(SinkEvent::rewind(first_id(), 2));
  turns(1);
  ASSERT_EQ(source_.seeks().size(), 1u);
  EXPECT_EQ(source_.seeks()[0].second, 2);
  EXPECT_EQ(sink.rewound_ids, std::vector<PartitionId>{first_id()});
  turns(4);
  EXPECT_EQ(sink.offsets_written(first_id()), (std::vector<int64_t>{0, 1, 2, 3, 4, 2, 3, 4}));
}

TEST_F(CopyLoopTest, APartitionStartsWhenTheSinkIsReadyAndReadsFromWhereItSays) {
  testing::FakeSink sink;
  sink.ready_at_open = false;  // exactly-once: fencing and reading the stored progress
  start(&sink);
  append(5);
  turns(5);
  ASSERT_EQ(sink.opened.size(), 1u);
  EXPECT_TRUE(source_.paused(p0_));
  EXPECT_TRUE(sink.writes.empty());
  sink.events.push_back(SinkEvent::ready(first_id(), 3));  // the stored progress
  turns(4);
  EXPECT_FALSE(source_.paused(p0_));
  EXPECT_EQ(sink.offsets_written(first_id()), (std::vector<int64_t>{3, 4}));
}

TEST_F(CopyLoopTest, ASeekIsTriedAgainUntilThePartitionFetchesAndFailsTheFlowAfterTheLimit) {
  testing::FakeSink sink;
  sink.ready_at_open = false;
  start(&sink);
  append(3);
  source_.fail_seeks(2);
  sink.events.push_back(SinkEvent::ready(first_id(), 1));
  turns(6);
  EXPECT_EQ(sink.offsets_written(first_id()), (std::vector<int64_t>{1, 2}));

  const TopicPartition p1{"orders", 1};
  source_.give({p1});
  turns(1);
  source_.fail_seeks(1000);
  sink.events.push_back(SinkEvent::ready(2, 0));
  turns(2);
  EXPECT_TRUE(loop_->failure().empty());
  now_ += options_.start_limit;
  turns(1);
  EXPECT_NE(loop_->failure().find("cannot read orders[1] from offset 0"), std::string::npos)
      << loop_->failure();
}

TEST_F(CopyLoopTest, AMissingTargetPartitionWaitsForThePlanThenReadsAgainFromTheRecord) {
  start();
  append(3);
  writer_.fail_next_write = RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
  turns(4);
  EXPECT_TRUE(copies().empty());
  EXPECT_TRUE(source_.paused(p0_));
  EXPECT_EQ(topics_.refreshes, 1);
  topics_.plan({"orders"}, 4);  // the watcher grew the target (and the producer saw it)
  turns(5);
  EXPECT_EQ(copied_values(), (std::vector<std::string>{"v0", "v1", "v2"})) << "none skipped";
  EXPECT_EQ(source_.seeks().back(), std::make_pair(p0_, int64_t{0}));
}

TEST_F(CopyLoopTest, APartitionTheTargetLacksWaitsAndFailsTheFlowAfterTheLimit) {
  start();
  const TopicPartition p7{"orders", 7};  // the plan has 4 partitions on the target
  source_.give({p7});
  turns(2);
  EXPECT_TRUE(source_.paused(p7));
  EXPECT_GE(topics_.refreshes, 1);
  now_ += options_.start_limit;
  turns(1);
  EXPECT_NE(loop_->failure().find("the target has no partition 7 of orders (it has 4)"),
            std::string::npos)
      << loop_->failure();
}

TEST_F(CopyLoopTest, APartitionThatStandsIsNamedInTheLogOnceAfterTenSeconds) {
  duplex::testing::LogCapture log;
  testing::FakeSink sink;
  sink.ready_at_open = false;  // not started: the sink says nothing
  start(&sink);
  const TopicPartition p1{"orders", 1}, p7{"orders", 7};  // p7: the target has 4 partitions
  source_.give({p1, p7});
  source_.fail_seeks(1000);
  turns(2);
  sink.events.push_back(SinkEvent::ready(2, 5));  // p1 is to be read from 5: seeks fail
  turns(2);
  EXPECT_EQ(log.count("is not copying yet"), 0u) << log.text();
  now_ += 10s;
  turns(3);
  EXPECT_EQ(log.count("orders[0] is not copying yet: its sink has not started it"), 1u)
      << log.text();
  EXPECT_EQ(log.count("orders[1] is not copying yet: it cannot be read from offset 5 yet"), 1u)
      << log.text();
  EXPECT_EQ(log.count("orders[7] is not copying yet: the target has no partition 7 of orders"), 1u)
      << log.text();
  now_ += 10s;
  turns(3);
  EXPECT_EQ(log.count("is not copying yet"), 3u) << "once each: " << log.text();
  EXPECT_TRUE(loop_->failure().empty()) << loop_->failure();
}

TEST_F(CopyLoopTest, AFencedPartitionCopiesNothingMore) {
  testing::FakeSink sink;
  start(&sink);
  append(2);
  turns(3);
  sink.events.push_back(SinkEvent::fenced(first_id()));
  turns(1);
  append(2);
  turns(3);
  EXPECT_EQ(sink.offsets_written(first_id()), (std::vector<int64_t>{0, 1}));
  EXPECT_TRUE(source_.paused(p0_));
  sink.committable_at[first_id()] = 2;
  tick();
  EXPECT_EQ(source_.committed(p0_), std::nullopt) << "a fenced partition's progress is not ours";
  source_.take_away({p0_}, false);
  turns(1);
  EXPECT_TRUE(sink.closed.count(first_id()));
}

// Errors the old loop dropped silently: each is counted (duplex_errors_total) and logged.
TEST_F(CopyLoopTest, AFailedPauseOrUnassignIsReportedAndNothingIsTakenMeanwhile) {
  start(nullptr, /*max_records=*/2);
  append(10);
  turns(10);
  ASSERT_TRUE(loop_->holding());
  source_.fail_pause_resume = true;
  now_ += options_.hold_before_pause;
  turns(3);
  EXPECT_EQ(metrics_.counters().errors, 1u);
  EXPECT_NE(registry_.serialize().find("duplex_errors_total{flow=\"east->west\",kind=\"pause\"} 1"),
            std::string::npos);
  EXPECT_EQ(copies().size(), 3u) << "still holding: memory stays bounded without the pause";

  writer_.answer();  // out of the hold: the source is polled, and rebalances served, again
  turns(2);
  source_.fail_unassign = true;
  source_.take_away({p0_}, /*lost=*/true);
  turns(1);
  EXPECT_NE(
      registry_.serialize().find("duplex_errors_total{flow=\"east->west\",kind=\"rebalance\"} 1"),
      std::string::npos);
}

TEST_F(CopyLoopTest, ASinkFailureEndsTheRun) {
  testing::FakeSink sink;
  start(&sink);
  sink.events.push_back(SinkEvent::failed(first_id(), "orders[0]: transactions are broken"));
  EXPECT_EQ(loop_->run(), 1);
  EXPECT_EQ(loop_->failure(), "orders[0]: transactions are broken");
  EXPECT_TRUE(sink.finished.count(first_id())) << "what was in flight is still settled";
}

}  // namespace
}  // namespace duplex::replicator
