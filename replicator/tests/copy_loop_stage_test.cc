// The copy loop with stages after its origin filter: skips that settle like loop skips, a
// partition that waits for its stages and is read again from the record that waited, and
// repairs, which no flow copies.
#include <gtest/gtest.h>

#include <functional>

#include "conflict/tests/temp_key_index.h"
#include "offsets/offset_records.h"
#include "replicator/conflict_stage.h"
#include "replicator/tests/conflict_fakes.h"
#include "replicator/tests/copy_loop_fixture.h"
#include "tests/support/log_capture.h"

namespace duplex::replicator {
namespace {

using namespace std::chrono_literals;
using testing::CopyLoopTest;
using testing::kSyncs;
using testing::Written;

// A stage whose verdicts a test sets.
class FakeStage : public RecordStage {
 public:
  std::function<StageVerdict(const SourceRecord&)> verdict;  // unset: pass
  StageVerdict readiness;
  std::vector<std::string> judged;  // values, in order
  std::vector<std::string> targets;

  StageVerdict judge(const SourceRecord& record, const std::string& target_topic) override {
    judged.emplace_back(static_cast<const char*>(record.value), record.value_len);
    targets.push_back(target_topic);
    return verdict ? verdict(record) : StageVerdict::pass();
  }
  StageVerdict ready(const std::string&, int32_t) override { return readiness; }
};

bool value_is(const SourceRecord& record, std::string_view value) {
  return std::string_view(static_cast<const char*>(record.value), record.value_len) == value;
}

class CopyLoopStageTest : public CopyLoopTest {
 protected:
  FakeStage stage_;
};

TEST_F(CopyLoopStageTest, AStageSkipBetweenCopiesIsCountedAndSettlesLikeALoopSkip) {
  stage_.verdict = [](const SourceRecord& r) {
    return value_is(r, "v1") || value_is(r, "v2") ? StageVerdict::skip(SkipReason::conflict)
                                                  : StageVerdict::pass();
  };
  start(nullptr, 1000, {&stage_});
  append(4);
  turns(5);
  EXPECT_EQ(copied_values(), (std::vector<std::string>{"v0", "v3"}));
  EXPECT_EQ(stage_.targets, (std::vector<std::string>(4, "orders")));
  settle();
  EXPECT_EQ(source_.committed(p0_), 4) << "past the skipped records";
  auto last = offsets::decode_run(writer_.written_to(kSyncs).back()->value);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->source, 3) << "a new run after the skips, as after loops";
  EXPECT_EQ(last->target, 1);
  EXPECT_EQ(metrics_.counters().skipped_conflict, 2u);
  EXPECT_NE(registry_.serialize().find("duplex_records_skipped_total{flow=\"east->west\","
                                       "reason=\"conflict\",topic=\"orders\"} 2"),
            std::string::npos)
      << registry_.serialize();
}

// The same through last-writer-wins: west holds k at 150 (a local write); east's copies of k
// at 100 and 120 are skipped between two copies, and the commit and the runs pass them as they
// pass loops, so a consumer that fails over neither skips nor re-reads because of them.
TEST_F(CopyLoopStageTest, AConflictSkipBetweenCopiesSettlesLikeALoopSkip) {
  config::ConflictSettings settings;
  settings.policy = config::ConflictPolicy::last_writer_wins;
  conflict::RegionRanks ranks({"east", "west"});
  conflict::testing::TempKeyIndex index;
  index.put("orders", "k", {{150, 0}, 0, false, "west", 1});
  testing::FakeReadiness readiness;
  testing::FakeAudit audit;
  ConflictStage conflicts({settings, ranks, *index, readiness, &audit}, "east");
  start(nullptr, 1000, {&conflicts});
  source_.append_keyed(p0_, "a", "a1", {}, 100);
  source_.append_keyed(p0_, "k", "k-old", {}, 100);
  source_.append_keyed(p0_, "k", "k-older", {{"duplex.origin", "east"}}, 120);
  source_.append_keyed(p0_, "k", "k-new", {}, 151);
  turns(6);
  EXPECT_EQ(copied_values(), (std::vector<std::string>{"a1", "k-new"}));
  EXPECT_EQ(audit.written.size(), 2u);
  settle();
  EXPECT_EQ(source_.committed(p0_), 4);
  auto last = offsets::decode_run(writer_.written_to(kSyncs).back()->value);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->source, 3);
  EXPECT_EQ(last->target, 1);
  EXPECT_EQ(metrics_.counters().skipped_conflict, 2u);
  EXPECT_EQ(metrics_.counters().skipped_loop, 0u);
}

TEST_F(CopyLoopStageTest, AWaitingPartitionPausesAndIsReadAgainFromTheRecordThatWaited) {
  duplex::testing::LogCapture log;
  stage_.verdict = [&](const SourceRecord& r) {
    return value_is(r, "v2") && stage_.readiness.kind == StageVerdict::Kind::wait
               ? StageVerdict::wait()
               : StageVerdict::pass();
  };
  stage_.readiness = StageVerdict::wait();
  start(nullptr, 1000, {&stage_});
  append(5);
  turns(8);
  EXPECT_EQ(copied_values(), (std::vector<std::string>{"v0", "v1"}));
  EXPECT_TRUE(source_.paused(p0_));
  now_ += 2 * options_.start_limit;
  turns(2);
  EXPECT_TRUE(loop_->failure().empty()) << "no start limit: an index may take long to rebuild";
  EXPECT_EQ(log.count("orders[0] is not copying yet: its records cannot be judged yet"), 1u)
      << log.text();
  stage_.readiness = StageVerdict::pass();
  turns(6);
  EXPECT_FALSE(source_.paused(p0_));
  EXPECT_EQ(copied_values(), (std::vector<std::string>{"v0", "v1", "v2", "v3", "v4"}));
  EXPECT_EQ(source_.seeks().back(), std::make_pair(p0_, int64_t{2}));
  settle();
  EXPECT_EQ(source_.committed(p0_), 5);
}

TEST_F(CopyLoopStageTest, ARewindWhileWaitingIsNotPassedOver) {
  testing::FakeSink sink;
  stage_.verdict = [&](const SourceRecord& r) {
    return value_is(r, "v3") && stage_.readiness.kind == StageVerdict::Kind::wait
               ? StageVerdict::wait()
               : StageVerdict::pass();
  };
  stage_.readiness = StageVerdict::wait();
  start(&sink, 1000, {&stage_});
  append(5);
  turns(6);
  ASSERT_EQ(sink.offsets_written(first_id()), (std::vector<int64_t>{0, 1, 2}));
  sink.events.push_back(SinkEvent::rewind(first_id(), 1));  // an aborted transaction
  turns(2);
  stage_.readiness = StageVerdict::pass();
  turns(6);
  EXPECT_EQ(sink.offsets_written(first_id()), (std::vector<int64_t>{0, 1, 2, 1, 2, 3, 4}));
}

TEST_F(CopyLoopStageTest, AStageFailureFailsTheFlow) {
  stage_.verdict = [](const SourceRecord&) { return StageVerdict::fail("the key index broke"); };
  start(nullptr, 1000, {&stage_});
  append(2);
  turns(3);
  EXPECT_EQ(loop_->failure(), "the key index broke");
  EXPECT_TRUE(copies().empty());
}

TEST_F(CopyLoopStageTest, AStageThatCannotBecomeReadyFailsTheFlow) {
  stage_.verdict = [](const SourceRecord&) { return StageVerdict::wait(); };
  stage_.readiness = StageVerdict::wait();
  start(nullptr, 1000, {&stage_});
  append(1);
  turns(3);
  EXPECT_TRUE(loop_->failure().empty());
  stage_.readiness = StageVerdict::fail("the home reader stopped: disk full");
  turns(1);
  EXPECT_EQ(loop_->failure(), "the home reader stopped: disk full");
}

TEST_F(CopyLoopStageTest, RepairsAreNeverCopiedAndSettleLikeLoopSkips) {
  start(nullptr, 1000, {&stage_});
  append(1);
  source_.append(p0_, "repaired", {{"duplex.repair", "east"}});
  source_.append(p0_, "repaired-copy", {{"duplex.origin", "west"}, {"duplex.repair", "east"}});
  append(1);
  turns(5);
  EXPECT_EQ(copied_values(), (std::vector<std::string>{"v0", "v1"}));
  EXPECT_EQ(stage_.judged, (std::vector<std::string>{"v0", "v1"})) << "no stage sees a repair";
  EXPECT_EQ(metrics_.counters().skipped_conflict, 2u);
  EXPECT_EQ(metrics_.counters().skipped_loop, 0u);
  settle();
  EXPECT_EQ(source_.committed(p0_), 4);
}

}  // namespace
}  // namespace duplex::replicator
