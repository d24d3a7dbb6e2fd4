#include "offsets/offset_records.h"

#include <gtest/gtest.h>

#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "offsets/failover.h"

namespace duplex::offsets {
namespace {

TEST(OffsetRecords, RunRoundTrips) {
  OffsetRun run{"orders", "east.orders", 3, 1200, 1300, 50, 1700000000000};
  EXPECT_EQ(encode(run), "1 orders east.orders 3 1200 1300 50 1700000000000");
  EXPECT_EQ(run_key(run), "orders/3/1200");
  EXPECT_EQ(decode_run(encode(run)), run);
}

TEST(OffsetRecords, ARunAfterACommitMarkerIsVersionTwoAndOthersStayVersionOne) {
  OffsetRun run{"orders", "orders", 3, 100, 205, 7, 1700000000000};
  EXPECT_EQ(encode(run), "1 orders orders 3 100 205 7 1700000000000");
  run.after_marker = true;
  EXPECT_EQ(encode(run), "2 orders orders 3 100 205 7 1700000000000 1");
  EXPECT_EQ(decode_run(encode(run)), run);
  EXPECT_FALSE(decode_run("2 orders orders 3 100 205 7 1700000000000"));
  EXPECT_FALSE(decode_run("2 orders orders 3 100 205 7 1700000000000 2"));
  EXPECT_FALSE(decode_run("1 orders orders 3 100 205 7 1700000000000 1"));
  EXPECT_FALSE(decode_run("3 orders orders 3 100 205 7 1700000000000 1"));
}

TEST(OffsetRecords, CheckpointRoundTripsWithSpacesInTheGroup) {
  Checkpoint c{"billing team", "orders",      "orders", 2,     6123,          6100, 6123,
               6100,           1700000000000, 10000,    10000, 1699999999000, 0};
  EXPECT_EQ(encode(c),
            "2 1700000000000 orders orders 2 6123 6100 6123 6100 10000 10000 1699999999000 0 "
            "billing team");
  EXPECT_EQ(checkpoint_key(c), "billing team/orders/2");
  EXPECT_EQ(decode_checkpoint(encode(c)), c);
  c.local_rereads.reset();  // unknown: -1
  EXPECT_EQ(decode_checkpoint(encode(c)), c);
}

// Checkpoints written before local_rereads (version 1) are still read: its count is unknown.
TEST(OffsetRecords, VersionOneCheckpointsAreRead) {
  auto c = decode_checkpoint(
      "1 1700000000000 orders orders 2 6123 6100 6123 6100 10000 10000 "
      "1699999999000 billing team");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->group, "billing team");
  EXPECT_EQ(c->at_risk_since, 1699999999000);
  EXPECT_FALSE(c->local_rereads);
}

TEST(OffsetRecords, RejectsCorruptValues) {
  for (const char* bad : {"", "garbage", "2 orders orders 0 1 1 1 0", "1 orders orders 0 1 1",
                          "1 orders orders 0 1 1 0 0", "1 orders orders -1 1 1 1 0",
                          "1 orders orders 0 1 1 1 0 extra"}) {
    EXPECT_FALSE(decode_run(bad)) << bad;
  }
  Checkpoint c{"g", "orders", "orders", 0, 10, 10, 10, 12, 1, 10, 10, 1, 2};
  std::string good = encode(c);
  EXPECT_TRUE(decode_checkpoint(good));
  EXPECT_FALSE(decode_checkpoint(good.substr(0, good.size() - 2)));  // no group left
  EXPECT_FALSE(decode_checkpoint("1 x"));
  EXPECT_FALSE(decode_checkpoint("3" + good.substr(1)));  // a version not known yet
  c.local_rereads = 3;                                    // more than local_target - target
  EXPECT_FALSE(decode_checkpoint(encode(c)));
  c.local_rereads = 2;
  c.target = 11;  // beyond copied_target: never valid
  EXPECT_FALSE(decode_checkpoint(encode(c)));
}

// Found by fuzz/offset_run_fuzz: a run whose end is past the largest offset decoded, and
// translation overflowed computing it.
TEST(OffsetRecords, RejectsRunsWhoseEndIsNoOffset) {
  EXPECT_FALSE(decode_run("1\x01 1s 0 7 10127016374 9223372036854775807 0"));
  EXPECT_FALSE(decode_run("1 orders orders 0 1 0 9223372036854775807 0"));
  EXPECT_FALSE(decode_run("1 orders orders 0 0 1 9223372036854775807 0"));
  auto run = decode_run("1 orders orders 0 1 0 9223372036854775806 0");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->source_end(), std::numeric_limits<int64_t>::max());
}

// Found by fuzz/checkpoint_fuzz: `duplex failover` computes a checkpoint's age and the records
// it gave up by subtraction, which overflowed with a copied_end of -2^63.
TEST(OffsetRecords, RejectsCheckpointsFailoverCannotPlan) {
  const std::string fuzzed("1 1r\x10 rs 3 60 8 17 11 3-9223372036854775808 8 0 \0\0", 50);
  EXPECT_FALSE(decode_checkpoint(fuzzed));
  const std::string good = "2 1700000000000 orders orders 2 6123 6100 6123 6100 10000 10000 0 0 g";
  ASSERT_TRUE(decode_checkpoint(good));
  auto with = [&](size_t field, const std::string& value) {
    std::istringstream in(good);
    std::vector<std::string> fields;
    for (std::string f; in >> f;) fields.push_back(f);
    fields.at(field) = value;
    std::string line;
    for (const auto& f : fields) line += (line.empty() ? "" : " ") + f;
    return line;
  };
  EXPECT_FALSE(decode_checkpoint(with(1, "-1")));   // time_ms
  EXPECT_FALSE(decode_checkpoint(with(10, "-1")));  // copied_end
  EXPECT_FALSE(decode_checkpoint(with(9, "-2")));   // source_end; -1 is unknown:
  auto unknown_end = decode_checkpoint(with(9, "-1"));
  ASSERT_TRUE(unknown_end);
  EXPECT_FALSE(plan_move(*unknown_end, 1700000001000).unreplicated);
  auto far = decode_checkpoint(with(9, "9223372036854775807"));
  ASSERT_TRUE(far);
  EXPECT_EQ(plan_move(*far, 1700000001000).unreplicated, 9223372036854775807 - 10000);
}

TEST(OffsetRecords, ProgressRoundTripsAndRejectsCorruptValues) {
  Progress p{"orders", 5, 200000, 1700000000000};
  EXPECT_EQ(encode(p), "1 orders 5 200000 1700000000000");
  EXPECT_EQ(progress_key("orders", 5), "orders/5");
  EXPECT_EQ(decode_progress(encode(p)), p);
  for (const char* bad : {"", "1 orders 5", "2 orders 5 1 1", "1 orders -1 1 1", "1 orders 5 -3 1",
                          "1 orders 5 1 1 extra"}) {
    EXPECT_FALSE(decode_progress(bad)) << bad;
  }
}

}  // namespace
}  // namespace duplex::offsets
