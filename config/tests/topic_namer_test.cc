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

}  // namespace duplex::config
