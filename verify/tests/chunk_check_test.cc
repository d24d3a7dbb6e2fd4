#include "verify/chunk_check.h"

#include <gtest/gtest.h>

#include "verify/partition_check.h"
#include "verify/tests/fake_log.h"

namespace duplex::verify {
namespace {

using testing::copy_of;
using testing::record;

const std::string kTopic = "orders";

class ChunkCheckTest : public ::testing::Test {
 protected:
  FlowRules rules{"east", "west", false, nullptr, nullptr, {"east", "west", "south"}};
  offsets::OffsetIndex runs;
  std::vector<VerifyRecord> source, target;

  void run(int64_t source_from, int64_t target_from, int64_t count) {
    runs.add({kTopic, kTopic, 0, source_from, target_from, count, 0});
  }
  Tally check(int64_t from, int64_t to) {
    PartitionCheck partition(rules, runs);
    Tally tally = partition.add({kTopic, 0, from, to, &source, &target});
    tally.add(partition.finish());
    return tally;
  }
  // Source offsets [0, n) copied in order to target [0, n).
  void clean_copy(int n) {
    for (int i = 0; i < n; ++i) {
      source.push_back(record(i, "k" + std::to_string(i), "v" + std::to_string(i)));
      target.push_back(copy_of(source.back(), i, "east"));
    }
    run(0, 0, n);
  }
};

TEST_F(ChunkCheckTest, ACleanCopyMatchesWithEqualDigests) {
  clean_copy(10);
  const Tally t = check(0, 10);
  EXPECT_EQ(t.compared, 10);
  EXPECT_EQ(t.matching, 10);
  EXPECT_TRUE(t.clean());
  EXPECT_EQ(t.source_digest, t.target_digest);
  EXPECT_NE(t.source_digest, Tally::kEmptyDigest);
  EXPECT_EQ(t.source_origins.at("east"), 10);
  EXPECT_FALSE(t.first_divergent_source_offset);
}

TEST_F(ChunkCheckTest, TheDigestIsOrderSensitive) {
  EXPECT_NE(chain(chain(Tally::kEmptyDigest, 1), 2), chain(chain(Tally::kEmptyDigest, 2), 1));
  clean_copy(6);
  std::swap(target[2].digest, target[3].digest);  // the target holds 3 before 2
  const Tally t = check(0, 6);
  EXPECT_EQ(t.matching, 4);
  EXPECT_EQ(t.different, 2);
  EXPECT_EQ(t.first_divergent_source_offset, 2);
  EXPECT_NE(t.source_digest, t.target_digest);
  ASSERT_EQ(t.divergences.size(), 2u);
  EXPECT_EQ(t.divergences[0], (Divergence{Divergence::Kind::different, 2, 2}));
}

TEST(RecordDigestTest, SeesEveryFieldHeaderOrderAndNullsButNotTheOrigin) {
  auto digest = [](std::optional<std::string_view> key, std::optional<std::string_view> value,
                   int64_t ts, std::vector<std::pair<std::string, std::string>> headers) {
    RecordDigest d(key, value, ts);
    for (const auto& [name, v] : headers) d.header(name, v);
    return d.digest();
  };
  const auto base = digest("k", "value-of-some-length", 1, {{"a", "1"}, {"b", "2"}});
  EXPECT_EQ(base, digest("k", "value-of-some-length", 1,
                         {{"a", "1"}, {"duplex.origin", "east"}, {"b", "2"}}));
  EXPECT_NE(base, digest("k", "value-of-some-length", 1, {{"b", "2"}, {"a", "1"}}));
  EXPECT_NE(base, digest("k", "value-of-some-lengtH", 1, {{"a", "1"}, {"b", "2"}}));
  EXPECT_NE(base, digest("k", "value-of-some-length", 2, {{"a", "1"}, {"b", "2"}}));
  EXPECT_NE(base, digest("k", "value-of-some-length", 1, {{"a", "1"}}));
  EXPECT_NE(digest(std::nullopt, "v", 1, {}), digest("", "v", 1, {}));
  EXPECT_NE(digest("k", std::nullopt, 1, {}), digest("k", "", 1, {}));
  // Field boundaries count: the same bytes split otherwise differ.
  EXPECT_NE(digest("ab", "c", 1, {}), digest("a", "bc", 1, {}));
}

TEST_F(ChunkCheckTest, TheStampedOriginIsNotAUserHeaderButMustBeTheSource) {
  // A record without an origin is stamped with the source; one with the source's keeps it.
  source.push_back(record(0, "a", "1"));
  source.push_back(record(1, "b", "2", "east"));
  source.push_back(record(2, "c", "3", std::nullopt, {{"trace", "x"}}));
  target.push_back(record(0, "a", "1", "east"));
  target.push_back(record(1, "b", "2", "east"));
  target.push_back(record(2, "c", "3", "east", {{"trace", "x"}}));
  run(0, 0, 3);
  EXPECT_EQ(check(0, 3).matching, 3);

  // Another origin on the copy, or a user header changed or dropped, is a difference.
  target[0].origin = "west";
  target[2] = record(2, "c", "3", "east", {{"trace", "y"}});
  const Tally t = check(0, 3);
  EXPECT_EQ(t.matching, 1);
  EXPECT_EQ(t.different, 2);
  target[2] = record(2, "c", "3", "east");
  EXPECT_EQ(check(0, 3).different, 2);
}

TEST_F(ChunkCheckTest, MissingAndExtraRecordsAreFoundWithTheirOffsets) {
  // Source 0..9; the copy of 5 is lost, and a forged copy from east sits at target 5.
  for (int i = 0; i < 10; ++i) source.push_back(record(i, "k", "v" + std::to_string(i)));
  for (int i = 0; i < 5; ++i) target.push_back(copy_of(source[i], i, "east"));
  target.push_back(record(5, "forged", "x", "east"));
  for (int i = 6; i < 10; ++i) target.push_back(copy_of(source[i], i, "east"));
  run(0, 0, 5);
  run(6, 6, 4);
  const Tally t = check(0, 10);
  EXPECT_EQ(t.compared, 10);
  EXPECT_EQ(t.matching, 9);
  EXPECT_EQ(t.missing, 1);
  EXPECT_EQ(t.extra, 1);
  EXPECT_EQ(t.first_divergent_source_offset, 5);
  ASSERT_EQ(t.divergences.size(), 2u);
  EXPECT_EQ(t.divergences[0], (Divergence{Divergence::Kind::missing, 5, std::nullopt}));
  EXPECT_EQ(t.divergences[1], (Divergence{Divergence::Kind::extra, 6, 5}));
}

TEST_F(ChunkCheckTest, SkipsOnPurposeAreAccountedForNotReported) {
  // 0 east, 1 a loop (west), 2 a third region's, 3 a repair, offsets 4-5 a transaction's
  // aborted record and marker (not delivered), 6 east, 7 east after the newest sync (pending).
  source.push_back(record(0, "a", "1"));
  source.push_back(record(1, "b", "2", "west"));
  source.push_back(record(2, "c", "3", "south"));
  source.push_back(record(3, "d", "4", "east", {{"duplex.repair", "1"}}));
  source.push_back(record(6, "e", "5"));
  source.push_back(record(7, "f", "6"));
  // The target: the copies of 0 and 6, a home record between them, a re-copy of 0.
  target.push_back(copy_of(source[0], 10, "east"));
  target.push_back(record(11, "local", "w"));
  target.push_back(copy_of(source[0], 12, "east"));
  target.push_back(copy_of(source[4], 13, "east"));
  run(0, 10, 1);
  run(6, 13, 1);
  const Tally t = check(0, 8);
  EXPECT_EQ(t.source_records, 6);
  EXPECT_EQ(t.compared, 2);
  EXPECT_EQ(t.matching, 2);
  EXPECT_TRUE(t.clean());
  EXPECT_EQ(t.loops, 1);
  EXPECT_EQ(t.other_origin, 1);
  EXPECT_EQ(t.repairs, 1);
  EXPECT_EQ(t.source_gaps, 2);
  EXPECT_EQ(t.pending, 1);
  EXPECT_EQ(t.duplicates, 1);
  EXPECT_EQ(t.target_other, 1);
  EXPECT_EQ(t.target_origins.at("west"), 1);
}

TEST_F(ChunkCheckTest, ConflictLosersAreAccountedForOnLastWriterWinsTopics) {
  const conflict::RegionRanks ranks({"east", "west"});
  rules.last_writer_wins = true;
  rules.ranks = &ranks;
  // The target's newest version of "k" is west's, at timestamp 2000.
  rules.newest = [&](const std::string& key) -> std::optional<conflict::IndexEntry> {
    if (key != "k") return std::nullopt;
    conflict::IndexEntry e;
    e.version = *ranks.version(2000, "west");
    return e;
  };
  source.push_back(record(0, "k", "old", std::nullopt, {}, 1500));   // loses: skipped
  source.push_back(record(1, "k", "new", std::nullopt, {}, 2500));   // wins: copied
  source.push_back(record(2, "j", "lost", std::nullopt, {}, 1000));  // no newer version: missing
  source.push_back(record(3, "i", "x", std::nullopt, {}, 1000));
  target.push_back(copy_of(source[1], 0, "east"));
  target.push_back(copy_of(source[3], 1, "east"));
  run(1, 0, 1);
  run(3, 1, 1);
  const Tally t = check(0, 4);
  EXPECT_EQ(t.conflict_losers, 1);
  EXPECT_EQ(t.matching, 2);
  EXPECT_EQ(t.missing, 1);
  EXPECT_EQ(t.compared, 3);
  EXPECT_EQ(t.first_divergent_source_offset, 2);
}

TEST_F(ChunkCheckTest, ARecopyInTheNextChunkIsADuplicateNotExtra) {
  // Source 0..3. The first copies of 2 and 3 (target 2, 3) were re-copied after a crash
  // (target 4, 5): the syncs now map 2 and 3 there, so the first copies lie in the window of
  // the chunk [0, 2), before the chunk that holds their records.
  for (int i = 0; i < 4; ++i) source.push_back(record(i, "k", std::to_string(i)));
  for (int i = 0; i < 4; ++i) target.push_back(copy_of(source[i], i, "east"));
  target.push_back(copy_of(source[2], 4, "east"));
  target.push_back(copy_of(source[3], 5, "east"));
  run(0, 0, 2);
  run(2, 4, 2);
  PartitionCheck partition(rules, runs);
  std::vector<VerifyRecord> s1(source.begin(), source.begin() + 2),
      t1(target.begin(), target.begin() + 4);
  std::vector<VerifyRecord> s2(source.begin() + 2, source.end()),
      t2(target.begin() + 4, target.end());
  Tally t = partition.add({kTopic, 0, 0, 2, &s1, &t1});
  EXPECT_EQ(partition.undecided().size(), 2u);
  t.add(partition.add({kTopic, 0, 2, 4, &s2, &t2}));
  t.add(partition.finish());
  EXPECT_EQ(t.matching, 4);
  EXPECT_EQ(t.duplicates, 2);
  EXPECT_TRUE(t.clean());
}

}  // namespace
}  // namespace duplex::verify
