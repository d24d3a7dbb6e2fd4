#include "replicator/inflight_budget.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace duplex::replicator {

TEST(InflightBudget, UnitsGiveTheirShareBackOnceWhenReleasedMovedOrDestroyed) {
  InflightBudget budget(100, 10);
  {
    auto a = budget.take(30);
    auto b = budget.take(20);
    EXPECT_EQ(budget.bytes(), 50u);
    EXPECT_EQ(budget.records(), 2u);
    a.release();
    a.release();  // once only
    EXPECT_EQ(budget.bytes(), 20u);
    InflightBudget::Units moved = std::move(b);
    EXPECT_EQ(budget.records(), 1u) << "a move hands the share over, it does not copy it";
  }
  EXPECT_EQ(budget.bytes(), 0u);
  EXPECT_EQ(budget.records(), 0u);
}

TEST(InflightBudget, OverBeyondEitherBoundUnderHalfOfBoth) {
  InflightBudget budget(100, 4);
  std::vector<InflightBudget::Units> held;
  for (int i = 0; i < 4; ++i) held.push_back(budget.take(10));
  EXPECT_FALSE(budget.over());
  held.push_back(budget.take(10));
  EXPECT_TRUE(budget.over()) << "5 records > 4";
  held.resize(2);
  EXPECT_TRUE(budget.under_half());
  held.push_back(budget.take(81));
  EXPECT_TRUE(budget.over()) << "101 bytes > 100, in 3 records";
  EXPECT_FALSE(budget.under_half());
}

TEST(InflightBudget, AbsorbedUnitsGoBackTogetherInOneRelease) {
  InflightBudget budget(1000, 100);
  InflightBudget::Units batch;
  for (int i = 0; i < 5; ++i) batch.absorb(budget.take(10));
  EXPECT_EQ(budget.records(), 5u) << "absorbing gives nothing back yet";
  EXPECT_EQ(budget.bytes(), 50u);
  batch.release();
  EXPECT_EQ(budget.records(), 0u);
  EXPECT_EQ(budget.bytes(), 0u);
  batch.release();  // once only
  EXPECT_EQ(budget.records(), 0u);
}

TEST(InflightBudget, ReleasesFromOtherThreadsAddUp) {
  InflightBudget budget(1u << 30, 1u << 20);
  std::vector<InflightBudget::Units> units;
  for (int i = 0; i < 40000; ++i) units.push_back(budget.take(7));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < units.size(); i += 4) units[i].release();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(budget.bytes(), 0u);
  EXPECT_EQ(budget.records(), 0u);
}

}  // namespace duplex::replicator
