#include "replicator/sync_gate.h"

#include <gtest/gtest.h>

namespace duplex::replicator {

TEST(SyncGate, WithNoRunsToWriteTheSettledPrefixIsCommittableAtOnce) {
  SyncGate gate;
  EXPECT_FALSE(gate.committable());
  gate.mark(10, 0);
  EXPECT_EQ(gate.committable(), 10);
}

TEST(SyncGate, WaitsForEveryRunOfATickAndKeepsTicksInOrder) {
  SyncGate gate;
  gate.mark(10, 2);
  gate.mark(20, 0);  // nothing new, but must not overtake the tick before
  gate.mark(30, 1);
  EXPECT_FALSE(gate.committable());
  gate.acknowledged();
  EXPECT_FALSE(gate.committable());
  gate.acknowledged();
  EXPECT_EQ(gate.committable(), 20);
  gate.acknowledged();
  EXPECT_EQ(gate.committable(), 30);
}

}  // namespace duplex::replicator
