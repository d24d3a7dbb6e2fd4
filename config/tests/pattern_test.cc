#include "config/pattern.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace duplex::config {
namespace {

using ::testing::HasSubstr;

TEST(Pattern, UsualPatternsPass) {
  for (const char* ok : {"orders", "orders\\..*", "(a|b){2,5}", "x{9}", "(a)\\1", "[{]",
                         "topic-1700000000000", "a\\{1234567890\\}"}) {
    EXPECT_EQ(regex_problem(ok), std::nullopt) << ok;
  }
}

// The shapes the config fuzzer found: libstdc++ overflowed an int reading them (UBSan).
TEST(Pattern, HugeCountsAndBackReferencesAreRefusedBeforeCompiling) {
  for (const char* huge : {"a{2222222222222222222}", "a{1,99999999999}", "(a)\\2222222222222222222",
                           "du{0000000000}"}) {
    auto why = regex_problem(huge);
    ASSERT_TRUE(why) << huge;
    EXPECT_THAT(*why, HasSubstr("more than 9 digits")) << huge;
  }
}

TEST(Pattern, StdRegexErrorsAreSaid) {
  auto why = regex_problem("(unclosed");
  ASSERT_TRUE(why);
  EXPECT_FALSE(why->empty());
}

}  // namespace
}  // namespace duplex::config
