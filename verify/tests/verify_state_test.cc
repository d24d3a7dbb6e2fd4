#include "verify/verify_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace duplex::verify {
namespace {

Tally some_tally() {
  Tally t;
  t.source_records = 10;
  t.compared = 8;
  t.matching = 6;
  t.loops = 2;
  t.first_timestamp = 5;
  t.last_timestamp = 9;
  t.source_digest = 42;
  t.target_digest = 43;
  t.source_origins["east"] = 8;
  t.target_origins["west"] = 1;
  t.diverge({Divergence::Kind::missing, 3, std::nullopt});
  t.diverge({Divergence::Kind::extra, std::nullopt, 7});
  return t;
}

TEST(VerifyStateTest, ATallyRoundTrips) {
  const Tally t = some_tally();
  auto back = Tally::decode(t.encode());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->encode(), t.encode());
  EXPECT_EQ(back->divergences, t.divergences);
  EXPECT_EQ(back->first_divergent_source_offset, 3);
  EXPECT_FALSE(Tally::decode("compared=x"));
  EXPECT_FALSE(Tally::decode("nonsense"));
}

TEST(VerifyStateTest, TheFileRoundTripsAndRefusesAnotherFlows) {
  const auto path =
      std::filesystem::temp_directory_path() / ("verify-state-" + std::to_string(getpid()));
  {
    VerifyState state(path, "east", "west");
    EXPECT_EQ(state.load(), "");  // no file yet: a first run
    PartitionState p;
    p.source_topic = "orders";
    p.partition = 3;
    p.start = 10;
    p.end = 100;
    p.next = 50;
    p.tally = some_tally();
    p.undecided.push_back({77, {Divergence::Kind::extra, 51, 60}});
    state.partitions()[{"orders", 3}] = p;
    EXPECT_EQ(state.save(), "");
  }
  VerifyState again(path, "east", "west");
  EXPECT_EQ(again.load(), "");
  ASSERT_EQ(again.partitions().size(), 1u);
  const auto& p = again.partitions().at({"orders", 3});
  EXPECT_EQ(p.next, 50);
  EXPECT_EQ(p.end, 100);
  EXPECT_FALSE(p.finished);
  EXPECT_EQ(p.tally.matching, 6);
  ASSERT_EQ(p.undecided.size(), 1u);
  EXPECT_EQ(p.undecided[0].digest, 77u);

  VerifyState other(path, "south", "west");
  EXPECT_NE(other.load().find("not the resume file"), std::string::npos);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace duplex::verify
