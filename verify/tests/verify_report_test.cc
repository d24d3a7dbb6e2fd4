#include "verify/verify_report.h"

#include <gtest/gtest.h>

#include <sstream>

namespace duplex::verify {
namespace {

VerifyReport report_with(const Tally& tally) {
  VerifyReport report;
  report.source = "east";
  report.home = "west";
  PartitionState p;
  p.source_topic = "orders";
  p.partition = 2;
  p.start = 0;
  p.end = p.next = 100;
  p.tally = tally;
  report.partitions.push_back(p);
  report.target_topics.push_back("east.orders");
  return report;
}

TEST(VerifyReportTest, DifferencesAreListedWithTheirOffsetsAndFailTheVerdict) {
  Tally t;
  t.compared = 100;
  t.matching = 99;
  t.loops = 3;
  t.diverge({Divergence::Kind::missing, 50, std::nullopt});
  t.diverge({Divergence::Kind::extra, 51, 50});
  const auto report = report_with(t);
  EXPECT_FALSE(report.ok());
  std::ostringstream table, json;
  report.table(table);
  report.json(json);
  EXPECT_NE(table.str().find("missing: orders[2] source offset 50, target east.orders[2] offset -"),
            std::string::npos);
  EXPECT_NE(table.str().find("extra: orders[2] source offset 51, target east.orders[2] offset 50"),
            std::string::npos);
  EXPECT_NE(table.str().find("DIFFERENCES: 1 missing on the target, 1 extra on the target"),
            std::string::npos);
  EXPECT_NE(table.str().find("loops 3"), std::string::npos);
  EXPECT_NE(json.str().find("\"ok\":false"), std::string::npos);
  EXPECT_NE(json.str().find("{\"kind\":\"missing\",\"source_offset\":50,\"target_offset\":null}"),
            std::string::npos);
  EXPECT_NE(json.str().find("\"target_topic\":\"east.orders\""), std::string::npos);
}

TEST(VerifyReportTest, AnIncompleteRunIsNeverOk) {
  Tally t;
  t.compared = t.matching = 10;
  auto report = report_with(t);
  EXPECT_TRUE(report.ok());
  report.complete = false;
  EXPECT_FALSE(report.ok());
  std::ostringstream table;
  report.table(table);
  EXPECT_NE(table.str().find("INCOMPLETE"), std::string::npos);
}

}  // namespace
}  // namespace duplex::verify
