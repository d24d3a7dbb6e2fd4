#include <gtest/gtest.h>

#include "config/config.h"

namespace duplex::config {

TEST(ConflictSettings, FirstMatchingOverrideDecidesElseTheDefault) {
  ConflictSettings settings;
  settings.policy = ConflictPolicy::last_writer_wins;
  settings.topics = {{"orders\\.tmp\\..*", ConflictPolicy::none},
                     {"orders\\..*", ConflictPolicy::last_writer_wins},
                     {"orders\\..*|audit", ConflictPolicy::none}};
  EXPECT_EQ(settings.policy_for("orders.tmp.x"), ConflictPolicy::none);
  EXPECT_EQ(settings.policy_for("orders.eu"), ConflictPolicy::last_writer_wins);
  EXPECT_EQ(settings.policy_for("audit"), ConflictPolicy::none);
  EXPECT_EQ(settings.policy_for("payments"), ConflictPolicy::last_writer_wins);
  // Whole names only, as topics.include.
  EXPECT_EQ(settings.policy_for("xaudit"), ConflictPolicy::last_writer_wins);
}

TEST(ConflictSettings, NoneByDefault) {
  EXPECT_EQ(ConflictSettings().policy_for("orders"), ConflictPolicy::none);
}

}  // namespace duplex::config
