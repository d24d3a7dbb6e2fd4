#include "verify/verifier.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "verify/tests/fake_log.h"

namespace duplex::verify {
namespace {

using testing::copy_of;
using testing::FakeLog;
using testing::record;

class VerifierTest : public ::testing::Test {
 protected:
  VerifierTest() {
    config.region = "west";
    flow.source = "east";
    config.flows.push_back(flow);
    // east: 0..29 with a loop at 10, and an aborted record at 20 and its abort marker at 21.
    auto& src = source.logs[{"orders", 0}];
    auto& dst = target.logs[{"orders", 0}];
    int64_t t = 0;
    for (int64_t i = 0; i < 30; ++i) {
      if (i == 20 || i == 21) continue;
      src.push_back(record(i, "k" + std::to_string(i), "v",
                           i == 10 ? std::optional<std::string>("west") : std::nullopt));
      if (i == 10) continue;
      dst.push_back(copy_of(src.back(), t++, "east"));
    }
    source.aborted[{"orders", 0}] = {20};
    runs.add({"orders", "orders", 0, 0, 0, 10, 0});
    runs.add({"orders", "orders", 0, 11, 10, 9, 0});
    runs.add({"orders", "orders", 0, 22, 19, 8, 0});
  }

  Tally verify(VerifyState& state, Verifier::Options options, bool save = false) {
    Verifier verifier(
        {config, config.flows[0], source, target, runs, state, nullptr, nullptr, save}, options);
    EXPECT_FALSE(verifier.run());
    Tally total;
    for (const auto& [key, p] : state.partitions()) total.add(p.tally);
    return total;
  }

  config::Config config;
  config::Flow flow;
  FakeLog source, target;
  offsets::OffsetIndex runs;
};

TEST_F(VerifierTest, ChunksGiveWhatOneReadGives) {
  VerifyState one("", "east", "west"), small("", "east", "west");
  const Tally whole = verify(one, {});
  Verifier::Options chunked;
  chunked.chunk = 4;
  const Tally pieces = verify(small, chunked);
  EXPECT_EQ(whole.matching, 27);
  EXPECT_EQ(whole.loops, 1);
  EXPECT_EQ(whole.aborted, 1);
  EXPECT_EQ(whole.source_gaps, 1);
  EXPECT_TRUE(whole.clean());
  EXPECT_EQ(pieces.matching, 27);
  EXPECT_EQ(pieces.loops, 1);
  EXPECT_EQ(pieces.aborted, 1);
  EXPECT_EQ(pieces.source_gaps, 1);
  EXPECT_TRUE(pieces.clean());
  EXPECT_EQ(whole.source_digest, whole.target_digest);
  EXPECT_EQ(pieces.source_digest, pieces.target_digest);
}

TEST_F(VerifierTest, AnOpenSourceTransactionEndsTheRangeAndItsCopiesAreNotExtra) {
  source.stable_end[{"orders", 0}] = 25;  // 25.. is in a transaction still open
  VerifyState state("", "east", "west");
  Verifier::Options chunked;
  chunked.chunk = 7;  // the chunk [21, 28) ends early, at 25
  const Tally t = verify(state, chunked);
  const auto& p = state.partitions().at({"orders", 0});
  EXPECT_EQ(p.end, 25);
  EXPECT_TRUE(p.finished);
  EXPECT_TRUE(t.clean());
  EXPECT_EQ(t.matching, 22);  // 0..24 without the loop at 10 and the aborted 20, 21
}

TEST_F(VerifierTest, TheTargetTopicIsNamedByTheFlowsRenameTemplate) {
  config.flows[0].rename = "{source}.{topic}";
  target.logs[{"east.orders", 0}] = target.logs[{"orders", 0}];
  target.logs.erase({"orders", 0});
  offsets::OffsetIndex renamed;
  renamed.add({"orders", "east.orders", 0, 0, 0, 10, 0});
  renamed.add({"orders", "east.orders", 0, 11, 10, 9, 0});
  renamed.add({"orders", "east.orders", 0, 22, 19, 8, 0});
  VerifyState state("", "east", "west");
  Verifier verifier(
      {config, config.flows[0], source, target, renamed, state, nullptr, nullptr, false}, {});
  EXPECT_FALSE(verifier.run());
  EXPECT_EQ(verifier.target_topic("orders"), "east.orders");
  EXPECT_EQ(state.partitions().at({"orders", 0}).tally.matching, 27);
}

TEST_F(VerifierTest, FromOffsetAndTopicSelectOnlyWhatTheyName) {
  source.logs[{"payments", 0}].push_back(record(0, "p", "1"));
  VerifyState state("", "east", "west");
  Verifier::Options options;
  options.from_offset = 15;
  options.topic_regex = "ord.*";
  const Tally t = verify(state, options);
  EXPECT_EQ(state.partitions().size(), 1u);
  EXPECT_EQ(state.partitions().begin()->second.start, 15);
  EXPECT_EQ(t.matching, 13);  // 15..29 without 20, 21
}

TEST_F(VerifierTest, AResumedRunGoesOnWhereTheStateStopped) {
  // The state after a run interrupted at source offset 12: the rest is read from there.
  VerifyState state("", "east", "west");
  PartitionState p;
  p.source_topic = "orders";
  p.start = 0;
  p.end = 30;
  p.next = 12;
  p.tally.compared = p.tally.matching = 11;
  p.tally.loops = 1;
  state.partitions()[{"orders", 0}] = p;
  const Tally t = verify(state, {});
  EXPECT_EQ(t.matching, 27);
  EXPECT_EQ(t.loops, 1);
  EXPECT_TRUE(state.partitions().at({"orders", 0}).finished);
  EXPECT_EQ(source.reads, 1);  // [12, 30) in one chunk
}

TEST_F(VerifierTest, AnInterruptedRunResumedFromItsFileEndsAsAWholeRunDoes) {
  const auto path =
      std::filesystem::temp_directory_path() / ("verify-resume-" + std::to_string(getpid()));
  Verifier::Options chunked;
  chunked.chunk = 4;
  std::atomic<bool> stop{false};
  {
    // Stopped after its second chunk, as SIGINT would.
    VerifyState state(path.string(), "east", "west");
    int chunks = 0;
    Verifier verifier({config, config.flows[0], source, target, runs, state, &stop,
                       [&](const PartitionState&, int64_t) { stop = ++chunks == 2; }, true},
                      chunked);
    EXPECT_TRUE(verifier.run());
  }
  VerifyState saved(path.string(), "east", "west");
  ASSERT_EQ(saved.load(), "");
  EXPECT_EQ(saved.partitions().at({"orders", 0}).next, 8);
  EXPECT_FALSE(saved.partitions().at({"orders", 0}).finished);
  source.reads = 0;
  stop = false;
  const Tally resumed = verify(saved, chunked, true);
  EXPECT_EQ(source.reads, 6);  // [8, 30) in chunks of 4

  VerifyState whole_state("", "east", "west");
  const Tally whole = verify(whole_state, chunked);
  EXPECT_EQ(resumed.encode(), whole.encode());
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace duplex::verify
