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
  EXPECT_FALSE(ConflictSettings().any_last_writer_wins());
}

TEST(ConflictSettings, InternalTopicsAreNeverLastWriterWins) {
  ConflictSettings settings;
  settings.policy = ConflictPolicy::last_writer_wins;
  EXPECT_TRUE(settings.last_writer_wins("orders"));
  EXPECT_FALSE(settings.last_writer_wins("duplex.heartbeats"));
  EXPECT_FALSE(settings.last_writer_wins("duplex.conflicts"));
  EXPECT_FALSE(settings.last_writer_wins("__consumer_offsets"));
  EXPECT_TRUE(settings.any_last_writer_wins());
}

TEST(ConflictSettings, AnOverrideAloneMakesSomeTopicLastWriterWins) {
  ConflictSettings settings;
  settings.topics = {{"orders", ConflictPolicy::last_writer_wins}};
  EXPECT_TRUE(settings.any_last_writer_wins());
  EXPECT_TRUE(settings.last_writer_wins("orders"));
  EXPECT_FALSE(settings.last_writer_wins("payments"));
}

}  // namespace duplex::config
