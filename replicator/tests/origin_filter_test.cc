#include "replicator/origin_filter.h"

#include <gtest/gtest.h>

namespace duplex::replicator {

using Verdict = OriginFilter::Verdict;

// The flow source -> home of a config whose clusters are east, west and central.
OriginFilter filter(std::string source, std::string home) {
  return OriginFilter(std::move(source), std::move(home), {"east", "west", "central"});
}

TEST(OriginFilter, RecordWithoutOriginIsStampedWithSource) {
  EXPECT_EQ(filter("east", "west").judge(std::nullopt), Verdict::copy_and_stamp);
}

TEST(OriginFilter, RecordFromSourceIsCopied) {
  EXPECT_EQ(filter("east", "west").judge("east"), Verdict::copy);
}

TEST(OriginFilter, RecordNeverReturnsToItsOrigin) {
  // Written in west, copied to east, must not come back: both directions of a pair.
  EXPECT_EQ(filter("east", "west").judge("west"), Verdict::skip_loop);
  EXPECT_EQ(filter("west", "east").judge("east"), Verdict::skip_loop);
}

TEST(OriginFilter, MeshCopiesOnlyTheSourcesOwnRecords) {
  // Three regions: a record from central that reached east is brought to west by the
  // central->west flow, not again by east->west.
  EXPECT_EQ(filter("east", "west").judge("central"), Verdict::skip_other_origin);
  EXPECT_EQ(filter("central", "west").judge("central"), Verdict::copy);
}

TEST(OriginFilter, RepairsAreNeverCopied) {
  // Each region repairs its own topic; a repair's origin says nothing about where it goes.
  EXPECT_EQ(filter("east", "west").judge(std::nullopt, true), Verdict::skip_repair);
  EXPECT_EQ(filter("east", "west").judge("east", true), Verdict::skip_repair);
  EXPECT_EQ(filter("east", "west").judge("east", false), Verdict::copy);
}

// A producer's own header value, never a copy's: copied as written in the source region.
TEST(OriginFilter, MalformedOriginCountsAsWrittenInTheSource) {
  const auto f = filter("east", "west");
  EXPECT_EQ(f.judge(""), Verdict::copy_and_restamp);
  EXPECT_EQ(f.judge(std::string_view("\xff\xfe", 2)), Verdict::copy_and_restamp);
  EXPECT_EQ(f.judge("we\xc3"), Verdict::copy_and_restamp);        // cut in a character
  EXPECT_EQ(f.judge("\xc0\xafwest"), Verdict::copy_and_restamp);  // overlong '/'
  EXPECT_EQ(f.judge(std::string_view("west\0", 5)), Verdict::copy_and_restamp);
  EXPECT_EQ(f.judge(std::string(10 * 1024, 'w')), Verdict::copy_and_restamp);
  EXPECT_EQ(f.judge(std::string(offsets::kMaxOriginBytes + 1, 'e')), Verdict::copy_and_restamp);
}

// Perhaps this region under an older name: copying it could bring a record back home.
TEST(OriginFilter, RegionNoConfigNamesIsSkipped) {
  EXPECT_EQ(filter("east", "west").judge("us-east-old"), Verdict::skip_unknown_origin);
  EXPECT_EQ(filter("east", "west").judge("r\xc3\xa9gion"), Verdict::skip_unknown_origin);
}

TEST(OriginFilter, WellFormedOrigins) {
  EXPECT_TRUE(offsets::well_formed_origin("us-east-1"));
  EXPECT_TRUE(offsets::well_formed_origin("r\xc3\xa9gion-\xe6\x9d\xb1\xf0\x9f\x8c\x8d"));
  EXPECT_TRUE(offsets::well_formed_origin(std::string(offsets::kMaxOriginBytes, 'e')));
  EXPECT_FALSE(offsets::well_formed_origin("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(offsets::well_formed_origin("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(offsets::well_formed_origin("tab\there"));
}

}  // namespace duplex::replicator
