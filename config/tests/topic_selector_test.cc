#include "config/topic_selector.h"

#include <gtest/gtest.h>

namespace duplex::config {

TEST(TopicSelector, IncludeAndExcludeMatchWholeNames) {
  NameFilter filter;
  filter.include = {"orders.*", "payments"};
  filter.exclude = {"orders\\.tmp.*"};
  TopicSelector s(filter);
  EXPECT_TRUE(s.selects("orders"));
  EXPECT_TRUE(s.selects("orders.eu"));
  EXPECT_TRUE(s.selects("payments"));
  EXPECT_FALSE(s.selects("payments2"));         // whole-name match, not search
  EXPECT_TRUE(s.selects("duplex.heartbeats"));  // not included, replicated all the same
  EXPECT_FALSE(s.selects("orders.tmp1"));
  EXPECT_FALSE(s.selects("refunds"));
}

TEST(TopicSelector, InternalTopicsNeverReplicated) {
  TopicSelector s(NameFilter{});  // include .*
  EXPECT_FALSE(s.selects("__consumer_offsets"));
  EXPECT_FALSE(s.selects("__transaction_state"));
  EXPECT_FALSE(s.selects("duplex.offset-syncs.east"));
  EXPECT_FALSE(s.selects("duplex.checkpoints.east"));
  EXPECT_FALSE(s.selects("duplex.progress.east"));
  EXPECT_FALSE(s.selects("duplex.dlq"));
  EXPECT_TRUE(s.selects("duplex.heartbeats"));  // replicated on purpose
  EXPECT_TRUE(s.selects("orders"));
}

}  // namespace duplex::config
