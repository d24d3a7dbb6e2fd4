#pragma once
// The copy loop of the flow east -> west through fakes of its source, its producer and its
// topic feed, turned by hand with the time passed in (copy_loop_test.cc, copy_loop_stage_test.cc).

#include <gtest/gtest.h>

#include <memory>

#include "replicator/copy_loop.h"
#include "replicator/idempotent_sink.h"
#include "replicator/tests/fake_record_writer.h"
#include "replicator/tests/fake_sink.h"
#include "replicator/tests/fake_source.h"
#include "replicator/tests/fake_topic_feed.h"

namespace duplex::replicator::testing {

using namespace std::chrono_literals;
using Written = FakeRecordWriter::Written;

inline constexpr const char* kSyncs = "duplex.offset-syncs.east";

class CopyLoopTest : public ::testing::Test {
 protected:
  // A loop of the flow east -> west over `sink` (the at-least-once sink over the fake writer
  // when null), with `stages` after its origin filter, and orders[0] planned and assigned.
  void start(Sink* sink = nullptr, size_t max_records = 1000,
             const std::vector<RecordStage*>& stages = {}) {
    budget_ = std::make_unique<InflightBudget>(64u << 20, max_records);
    idempotent_ = std::make_unique<IdempotentSink>(writer_, metrics_, "west", kSyncs);
    RecordJudge judge(OriginFilter("east", "west", {"east", "west", "central"}));
    for (RecordStage* stage : stages) judge.add_stage(*stage);
    loop_ = std::make_unique<CopyLoop>(
        CopyLoop::Parts{source_, sink ? *sink : *idempotent_, topics_, *budget_, metrics_, nullptr},
        std::move(judge), options_, stop_);
    topics_.plan({"orders"}, 4);
    source_.give({p0_});
    turns(2);
  }
  // Each turn a millisecond later (the loop asks its sink for news once a millisecond).
  void turns(int n) {
    for (int i = 0; i < n; ++i) {
      now_ += 1ms;
      loop_->turn(now_);
    }
  }
  // A turn one commit interval later: the sink writes offset syncs, the loop commits.
  void tick() {
    now_ += options_.commit_interval;
    loop_->turn(now_);
  }
  // Acknowledges everything, writes the runs at a tick and acknowledges them: what can be
  // committed is.
  void settle() {
    writer_.answer();
    turns(1);
    tick();
    writer_.answer_topic(kSyncs);
    turns(2);
  }
  void append(int n) {
    for (int i = 0; i < n; ++i) source_.append(p0_, "v" + std::to_string(next_value_++));
  }
  std::vector<const Written*> copies() const { return writer_.written_to("orders"); }
  std::vector<std::string> copied_values() const {
    std::vector<std::string> out;
    for (const auto* w : copies()) out.push_back(w->value);
    return out;
  }
  static bool is_copy(const Written& w) { return w.topic == "orders"; }
  PartitionId first_id() const { return 1; }

  const TopicPartition p0_{"orders", 0};
  FakeSource source_;
  FakeRecordWriter writer_;
  FakeTopicFeed topics_;
  metrics::ReplicationMetrics registry_{"test"};
  FlowMetrics metrics_{registry_, "east->west"};
  CopyLoopOptions options_;
  std::atomic<bool> stop_{false};
  std::unique_ptr<InflightBudget> budget_;
  std::unique_ptr<IdempotentSink> idempotent_;
  std::unique_ptr<CopyLoop> loop_;
  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::now();
  int next_value_ = 0;
};

}  // namespace duplex::replicator::testing
