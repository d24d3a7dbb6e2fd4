#include "config/duration.h"

#include <gtest/gtest.h>

namespace duplex::config {

TEST(Duration, ParsesEachUnit) {
  EXPECT_EQ(parse_duration("250ms")->count(), 250);
  EXPECT_EQ(parse_duration("5s")->count(), 5000);
  EXPECT_EQ(parse_duration("2m")->count(), 120000);
  EXPECT_EQ(parse_duration("1h")->count(), 3600000);
}

TEST(Duration, RejectsMalformed) {
  for (const char* bad : {"", "5", "s", "5 s", "-1s", "5x", "1.5s", "ms5"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(Duration, RejectsMoreThanAYearBeforeAnyOverflow) {
  EXPECT_EQ(parse_duration("8760h"), kMaxDuration);
  EXPECT_EQ(parse_duration("31536000s"), kMaxDuration);
  for (const char* too_long : {"8761h", "31536001s", "106983947398108488s", "9223372036854775807ms",
                               "00000000000000000000000000106983947398108488s"}) {
    EXPECT_FALSE(parse_duration(too_long).has_value()) << too_long;
  }
}

}  // namespace duplex::config
