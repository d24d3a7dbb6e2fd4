#include "conflict/version.h"

#include <gtest/gtest.h>

namespace duplex::conflict {
namespace {

TEST(Version, TimestampDecidesFirst) {
  EXPECT_LT((Version{100, 5}), (Version{101, 0}));
  EXPECT_GT((Version{101, 0}), (Version{100, 5}));
}

TEST(Version, RankBreaksATimestampTie) {
  EXPECT_LT((Version{100, 0}), (Version{100, 1}));
  EXPECT_EQ((Version{100, 1}), (Version{100, 1}));
}

}  // namespace
}  // namespace duplex::conflict
