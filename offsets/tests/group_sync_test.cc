// groups.sync's decision. MirrorMaker 2: MirrorCheckpointTaskTest.testSyncOffset and
// testSyncOffsetForTargetGroupWithNullOffsetAndMetadata; with
// MirrorConnectorsIntegrationBaseTest.testOffsetTranslationBehindReplicationFlow's rewound group.
#include "offsets/group_sync.h"

#include <gtest/gtest.h>

namespace duplex::offsets {
namespace {

TEST(GroupSync, MovesOnlyForwardAndFillsPartitionsWithoutAnOffset) {
  const kafka::GroupOffsets current = {{{"orders", 0}, 100}, {{"orders", 1}, 50}};
  const kafka::GroupOffsets translated = {
      {{"orders", 0}, 120},  // ahead: moved
      {{"orders", 1}, 40},   // rewound on the source: left where it is
      {{"orders", 2}, 0},    // no offset on the home cluster yet: set, even at 0
  };
  EXPECT_EQ(forward_moves(translated, current),
            (kafka::GroupOffsets{{{"orders", 0}, 120}, {{"orders", 2}, 0}}));
  EXPECT_TRUE(forward_moves(current, current).empty());
}

}  // namespace
}  // namespace duplex::offsets
