#include "config/size.h"

#include <gtest/gtest.h>

namespace duplex::config {

TEST(Size, ParsesEachUnit) {
  EXPECT_EQ(parse_size("100B"), 100u);
  EXPECT_EQ(parse_size("512KiB"), 512u << 10);
  EXPECT_EQ(parse_size("64MiB"), 64u << 20);
  EXPECT_EQ(parse_size("2GiB"), uint64_t{2} << 30);
}

TEST(Size, RejectsMalformed) {
  for (const char* bad :
       {"", "64", "MiB", "64 MiB", "-1MiB", "64MB", "64mib", "1.5GiB", "2048GiB"}) {
    EXPECT_FALSE(parse_size(bad).has_value()) << bad;
  }
}

TEST(Size, TextReadsBack) {
  EXPECT_EQ(size_text(64u << 20), "64MiB");
  EXPECT_EQ(size_text(1536u << 10), "1536KiB");
  EXPECT_EQ(size_text(100), "100B");
  EXPECT_EQ(size_text(0), "0B");
  for (uint64_t bytes : {uint64_t{1}, uint64_t{1} << 20, (uint64_t{3} << 30) + 1024}) {
    EXPECT_EQ(parse_size(size_text(bytes)), bytes);
  }
}

}  // namespace duplex::config
