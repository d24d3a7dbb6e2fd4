#include "replicator/topic_config_sync.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace duplex::replicator {
namespace {

using Configs = TopicConfigSync::Configs;

TopicConfigSync defaults() {
  return TopicConfigSync(config::TopicConfigCopy{}.exclude);
}

TEST(TopicConfigSync, ClusterLocalConfigsAreNotCopiedByDefault) {
  auto sync = defaults();
  EXPECT_FALSE(sync.replicated("min.insync.replicas"));
  EXPECT_FALSE(sync.replicated("leader.replication.throttled.replicas"));
  EXPECT_FALSE(sync.replicated("follower.replication.throttled.replicas"));
  EXPECT_FALSE(sync.replicated("unclean.leader.election.enable"));
  EXPECT_TRUE(sync.replicated("cleanup.policy"));
  EXPECT_TRUE(sync.replicated("retention.ms"));
  EXPECT_TRUE(sync.replicated("max.message.bytes"));
  EXPECT_TRUE(sync.replicated("min_insync_replicas")) << "dots are literal";
}

TEST(TopicConfigSync, TheExclusionListIsTheOneGiven) {
  TopicConfigSync sync({"retention\\..*"});
  EXPECT_FALSE(sync.replicated("retention.ms"));
  EXPECT_FALSE(sync.replicated("retention.bytes"));
  EXPECT_TRUE(sync.replicated("min.insync.replicas"));
}

TEST(TopicConfigSync, AReplicaFollowsTheSourceAndLosesHandEditsButKeepsItsOwnConfigs) {
  auto sync = defaults();
  const Configs source{{"retention.ms", "1000"}, {"cleanup.policy", "compact"}};
  const Configs target{{"retention.ms", "5"},          // edited by hand: reverted
                       {"segment.bytes", "1048576"},   // not on the source: removed
                       {"min.insync.replicas", "2"}};  // the target cluster's own: kept
  auto plan = sync.plan("orders", true, source, target);
  ASSERT_TRUE(plan.write);
  EXPECT_EQ(*plan.write, (Configs{{"retention.ms", "1000"},
                                  {"cleanup.policy", "compact"},
                                  {"min.insync.replicas", "2"}}));
  EXPECT_EQ(plan.set, (std::vector<std::string>{"cleanup.policy=compact", "retention.ms=1000"}));
  EXPECT_EQ(plan.removed, (std::vector<std::string>{"segment.bytes"}));
  EXPECT_FALSE(sync.plan("orders", true, source, *plan.write).write) << "in step: no write";
}

TEST(TopicConfigSync, ASharedTopicTakesChangesMadeOnTheSourceSinceTheLastRound) {
  auto sync = defaults();
  Configs east{{"retention.ms", "1000"}};
  Configs west{{"retention.ms", "1000"}, {"min.insync.replicas", "2"}};
  EXPECT_FALSE(sync.plan("orders", false, east, west).write);
  east["retention.ms"] = "2000";       // changed
  east["cleanup.policy"] = "compact";  // set
  auto plan = sync.plan("orders", false, east, west);
  ASSERT_TRUE(plan.write);
  EXPECT_EQ(*plan.write, (Configs{{"retention.ms", "2000"},
                                  {"cleanup.policy", "compact"},
                                  {"min.insync.replicas", "2"}}));
  west = *plan.write;
  east.erase("retention.ms");  // deleted: back to the default
  plan = sync.plan("orders", false, east, west);
  ASSERT_TRUE(plan.write);
  EXPECT_EQ(plan.removed, (std::vector<std::string>{"retention.ms"}));
  EXPECT_EQ(*plan.write, (Configs{{"cleanup.policy", "compact"}, {"min.insync.replicas", "2"}}));
}

TEST(TopicConfigSync, ASharedTopicEditedOnTheTargetIsNotRevertedThere) {
  // The reverse flow copies that edit to the source; reverting it here would undo it.
  auto sync = defaults();
  const Configs east{{"retention.ms", "1000"}};
  EXPECT_FALSE(sync.plan("orders", false, east, east).write);
  const Configs west{{"retention.ms", "3000"}};
  auto plan = sync.plan("orders", false, east, west);
  EXPECT_FALSE(plan.write);
  EXPECT_TRUE(plan.differing.empty());
}

TEST(TopicConfigSync, BothRegionsChangingOneConfigAtOnceKeepTheirValuesAndSaySo) {
  // Copied both ways, they would swap at every round.
  auto east_side = defaults();  // the flow west -> east
  auto west_side = defaults();  // the flow east -> west
  Configs east{{"retention.ms", "1000"}}, west = east;
  east_side.plan("orders", false, west, east);
  west_side.plan("orders", false, east, west);
  east["retention.ms"] = "2000";
  west["retention.ms"] = "3000";
  for (int round = 0; round < 3; ++round) {
    auto to_east = east_side.plan("orders", false, west, east);
    auto to_west = west_side.plan("orders", false, east, west);
    EXPECT_FALSE(to_east.write);
    EXPECT_FALSE(to_west.write);
    const std::vector<std::string> said =
        round == 0 ? std::vector<std::string>{"retention.ms"} : std::vector<std::string>{};
    EXPECT_EQ(to_west.differing, said) << "said once, at round " << round;
  }
}

TEST(TopicConfigSync, AChangeCopiedOneWayIsNotCopiedBack) {
  auto east_side = defaults();
  auto west_side = defaults();
  Configs east{{"retention.ms", "1000"}}, west = east;
  east_side.plan("orders", false, west, east);
  west_side.plan("orders", false, east, west);
  east["retention.ms"] = "2000";
  auto to_west = west_side.plan("orders", false, east, west);
  ASSERT_TRUE(to_west.write);
  west = *to_west.write;
  for (int round = 0; round < 3; ++round) {
    EXPECT_FALSE(east_side.plan("orders", false, west, east).write);
    EXPECT_FALSE(west_side.plan("orders", false, east, west).write);
  }
  EXPECT_EQ(west.at("retention.ms"), "2000");
}

TEST(TopicConfigSync, DifferencesAtTheFirstRoundAreReportedNotResolved) {
  auto sync = defaults();
  auto plan = sync.plan("orders", false, {{"retention.ms", "1000"}}, {{"retention.ms", "9"}});
  EXPECT_FALSE(plan.write);
  EXPECT_EQ(plan.differing, (std::vector<std::string>{"retention.ms"}));
}

}  // namespace
}  // namespace duplex::replicator
