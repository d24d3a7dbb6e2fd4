#include "replicator/topic_mirror.h"

#include <gtest/gtest.h>

namespace duplex::replicator {

TEST(TopicMirror, ClusterLocalConfigsAreNotCopied) {
  EXPECT_TRUE(TopicMirror::is_cluster_local("min.insync.replicas"));
  EXPECT_TRUE(TopicMirror::is_cluster_local("leader.replication.throttled.replicas"));
  EXPECT_FALSE(TopicMirror::is_cluster_local("cleanup.policy"));
  EXPECT_FALSE(TopicMirror::is_cluster_local("retention.ms"));
  EXPECT_FALSE(TopicMirror::is_cluster_local("max.message.bytes"));
}

}  // namespace duplex::replicator
