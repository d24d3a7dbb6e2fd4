#include "config/topic_namer.h"

#include <gtest/gtest.h>

namespace duplex::config {

TEST(TopicNamer, DefaultKeepsTheName) {
  EXPECT_EQ(TopicNamer("{topic}", "east", "west").target_topic("orders"), "orders");
}

TEST(TopicNamer, MirrorMakerStyleRename) {
  EXPECT_EQ(TopicNamer("{source}.{topic}", "east", "west").target_topic("orders"), "east.orders");
  EXPECT_EQ(TopicNamer("{topic}-from-{source}-in-{target}", "east", "west").target_topic("o"),
            "o-from-east-in-west");
}

TEST(TopicNamer, ACopyOfTheTargetsOwnTopicIsKnownByItsName) {
  // East's sidecar, flow west -> east: west.east.orders would bring east's records home.
  const TopicNamer into_east("{source}.{topic}", "west", "east");
  EXPECT_TRUE(into_east.names_a_copy_of_target("east.orders"));
  EXPECT_FALSE(into_east.names_a_copy_of_target("orders"));
  EXPECT_FALSE(into_east.names_a_copy_of_target("west.orders"));
  EXPECT_FALSE(into_east.names_a_copy_of_target("east."));
  const TopicNamer suffixed("{topic}-from-{source}", "west", "east");
  EXPECT_TRUE(suffixed.names_a_copy_of_target("orders-from-east"));
  EXPECT_FALSE(suffixed.names_a_copy_of_target("orders-from-west"));
}

TEST(TopicNamer, SameNamesAreNeverACopyByName) {
  EXPECT_FALSE(TopicNamer("{topic}", "west", "east").names_a_copy_of_target("orders"));
  EXPECT_FALSE(TopicNamer("{topic}", "west", "east").names_a_copy_of_target("east.orders"));
}

}  // namespace duplex::config
