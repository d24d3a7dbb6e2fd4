// What `duplex failover` prints of a plan, without a cluster.
#include "app/failover_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace duplex::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

offsets::FailoverPlan plan_with(std::optional<int64_t> unreplicated, std::optional<double> rpo_s) {
  offsets::PartitionMove move;
  move.checkpoint.group = "payments";
  move.checkpoint.source_topic = move.checkpoint.target_topic = "orders";
  move.checkpoint.partition = 3;
  move.checkpoint.upstream = 1200;
  move.checkpoint.target = 1190;
  move.rereads = 7;
  move.checkpoint_age_s = 2.5;
  move.unreplicated = unreplicated;
  move.rpo_s = rpo_s;
  offsets::FailoverPlan plan;
  plan.moves.push_back(move);
  return plan;
}

// The words of the table's row for the one move (the line after the header).
std::vector<std::string> table_row(const offsets::FailoverPlan& plan) {
  std::ostringstream out;
  print_failover_table(plan, out);
  std::istringstream lines(out.str());
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, row);
  std::istringstream in(row);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string json(const offsets::FailoverPlan& plan) {
  std::ostringstream out;
  print_failover_json(plan, "east", "west", true, out);
  return out.str();
}

TEST(FailoverReport, KnownFiguresAreNumbers) {
  auto plan = plan_with(40, 1.5);
  EXPECT_THAT(table_row(plan),
              ElementsAre("payments", "orders", "3", "1200", "1190", "7", "2.5", "40", "1.5"));
  EXPECT_THAT(json(plan), HasSubstr("\"source_offset\":1200,\"target_offset\":1190,\"rereads\":7,"
                                    "\"checkpoint_age_seconds\":2.500,\"not_copied\":40,"
                                    "\"rpo_seconds\":1.500}"));
}

TEST(FailoverReport, UnknownFiguresAreUnknownNeverZero) {
  auto plan = plan_with(std::nullopt, std::nullopt);
  EXPECT_THAT(table_row(plan), ElementsAre("payments", "orders", "3", "1200", "1190", "7", "2.5",
                                           "unknown", "unknown"));
  EXPECT_THAT(json(plan), HasSubstr("\"not_copied\":null,\"rpo_seconds\":null}"));
}

}  // namespace
}  // namespace duplex::app
