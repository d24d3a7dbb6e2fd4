#include "conflict/content_digest.h"

#include <gtest/gtest.h>

namespace duplex::conflict {
namespace {

uint64_t digest(std::optional<std::string_view> value,
                std::initializer_list<std::pair<std::string_view, std::string_view>> headers) {
  ContentDigest d;
  d.value(value);
  for (const auto& [name, v] : headers) d.header(name, v);
  return d.digest();
}

TEST(ContentDigest, ARepairDigestsLikeWhatItCopies) {
  EXPECT_EQ(digest("v", {{"duplex.origin", "east"}}),
            digest("v", {{"duplex.origin", "east"}, {"duplex.repair", "west"}}));
}

TEST(ContentDigest, ValueAndHeadersCount) {
  EXPECT_NE(digest("v", {}), digest("w", {}));
  EXPECT_NE(digest("v", {{"a", "1"}}), digest("v", {{"a", "2"}}));
  EXPECT_NE(digest("v", {{"a", "1"}}), digest("v", {}));
}

TEST(ContentDigest, TombstoneEmptyValueAndFieldBoundariesDiffer) {
  EXPECT_NE(digest(std::nullopt, {}), digest("", {}));
  EXPECT_NE(digest("ab", {{"c", ""}}), digest("a", {{"bc", ""}}));
}

// Digests are stored in the key index: they must not change between versions or machines.
TEST(ContentDigest, IsStable) {
  EXPECT_EQ(ContentDigest().digest(), 14695981039346656037ull);
  EXPECT_EQ(digest("v", {{"duplex.origin", "east"}}), digest("v", {{"duplex.origin", "east"}}));
  // FNV-1a 64 over the length (8 bytes, little-endian) and the bytes, computed apart.
  EXPECT_EQ(digest("value", {}), 0xc2a99e44c109e791ull);
}

}  // namespace
}  // namespace duplex::conflict
