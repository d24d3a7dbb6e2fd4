// GapReader over a fake target partition holding, between a flow's copies, an aborted
// transaction, commit markers and records of the home region's own: what it steps over, what it
// remembers, its budget, a read that fails. (librdkafka 2.0.2's mock cluster writes no
// transaction markers and hands aborted records to read_committed consumers, so the real
// probe is tested on real Kafka: ExactlyOnce.* in tests/kafka/.)
#include "offsets/gap_reader.h"

#include <gtest/gtest.h>

namespace duplex::offsets {
namespace {

using namespace std::chrono_literals;

// Target offsets: c a copy, l a local record, m a transaction marker, a an aborted record.
// copies at 0..4 (source 0..4), 14..16 (source 5..7), 20..21 (source 8..9).
const std::string kLog = "cccccmaaaaaaamcccmllccm";

class GapReaderTest : public ::testing::Test {
 protected:
  GapReaderTest() {
    runs_.add({"orders", "east.orders", 0, 0, 0, 5, 0});
    runs_.add({"orders", "east.orders", 0, 5, 14, 3, 0});
    runs_.add({"orders", "east.orders", 0, 8, 20, 2, 0});
  }

  GapReader reader(size_t reads) {
    return GapReader(
        [this](const std::string& topic, int32_t partition, int64_t from, int64_t to,
               std::chrono::milliseconds timeout) -> std::variant<int64_t, kafka::KafkaError> {
          EXPECT_EQ(topic, "east.orders");
          EXPECT_EQ(partition, 0);
          EXPECT_EQ(timeout, 2000ms);
          reads_.push_back(std::to_string(from) + ".." + std::to_string(to));
          if (unreadable_) return kafka::KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, "timed out");
          for (int64_t o = from; o < to; ++o) {
            if (kLog.at(static_cast<size_t>(o)) == 'c' || kLog.at(static_cast<size_t>(o)) == 'l') {
              return o;
            }
          }
          return to;
        },
        {reads, 2000ms, 100},
        {.empty =
             [this](const std::string& topic, int32_t partition, int64_t from, int64_t to) {
               events_.push_back("empty " + topic + "[" + std::to_string(partition) + "] " +
                                 std::to_string(from) + ".." + std::to_string(to));
             },
         .failed =
             [this](const std::string& topic, int32_t, const kafka::KafkaError& e) {
               events_.push_back("failed " + topic + ": " + e.message());
             },
         .unread =
             [this](const std::string& topic, int32_t partition, int64_t from) {
               events_.push_back("unread " + topic + "[" + std::to_string(partition) + "]@" +
                                 std::to_string(from));
             }});
  }
  Translation translate(GapReader& gaps, int64_t upstream,
                        const std::function<bool(int64_t)>& known_record = {}) {
    return gaps.translate(
        runs_, "orders", "east.orders", 0,
        [&] { return translate_on_target(runs_, {}, "orders", "east.orders", 0, upstream); },
        known_record);
  }

  OffsetIndex runs_;
  bool unreadable_ = false;
  std::vector<std::string> reads_;
  std::vector<std::string> events_;
};

using Strings = std::vector<std::string>;

TEST_F(GapReaderTest, StepsOverAnAbortedRangeAndAMarkerAndStopsAtARecord) {
  EXPECT_EQ(translate_on_target(runs_, {}, "orders", "east.orders", 0, 10).target, 5)
      << "unread, the translation stops at the first gap";
  auto gaps = reader(3);
  auto t = translate(gaps, 10);
  EXPECT_EQ(t.target, 18) << "the local record: a consumer at source 10 has not read it";
  EXPECT_EQ(t.copied_target, 22);
  EXPECT_EQ(reads_, (Strings{"5..14", "17..20", "18..20"}));
  EXPECT_EQ(events_, (Strings{"empty east.orders[0] 5..14", "empty east.orders[0] 17..18"}));
  // The empty ranges are in the runs from then on.
  EXPECT_EQ(translate_on_target(runs_, {}, "orders", "east.orders", 0, 10).target, 18);
  EXPECT_EQ(translate(gaps, 6).target, 15);

  // The gap holding a record is remembered: not read again, even with the budget spent.
  reads_.clear();
  events_.clear();
  EXPECT_EQ(translate(gaps, 10).target, 18);
  EXPECT_TRUE(reads_.empty());
  EXPECT_TRUE(events_.empty());
}

TEST_F(GapReaderTest, NothingIsReadBelowTheCopiesOrWhereARecordIsKnown) {
  auto gaps = reader(32);
  EXPECT_EQ(translate(gaps, 3).target, 3);  // inside the first run: no gap before it
  EXPECT_EQ(translate(gaps, 10, [](int64_t from) { return from == 5; }).target, 5);
  EXPECT_TRUE(reads_.empty());
}

TEST_F(GapReaderTest, ABudgetUsedUpStopsAtTheNextGapAndSaysSo) {
  auto gaps = reader(1);
  EXPECT_EQ(translate(gaps, 10).target, 17);
  EXPECT_EQ(events_, (Strings{"empty east.orders[0] 5..14", "unread east.orders[0]@17"}));
  gaps.new_budget();
  events_.clear();
  EXPECT_EQ(translate(gaps, 10).target, 18);
  EXPECT_EQ(events_, (Strings{"empty east.orders[0] 17..18", "unread east.orders[0]@18"}));
}

TEST_F(GapReaderTest, AReadThatFailsStopsAtTheGapAndEndsTheBudgetsReads) {
  auto gaps = reader(32);
  unreadable_ = true;
  EXPECT_EQ(translate(gaps, 10).target, 5);
  EXPECT_EQ(events_, (Strings{"failed east.orders: timed out"}));
  // One such wait per budget: the next translation does not read.
  EXPECT_EQ(translate(gaps, 10).target, 5);
  EXPECT_EQ(reads_.size(), 1u);
  EXPECT_EQ(events_.back(), "unread east.orders[0]@5");
  // Nothing was taken as empty: a new budget reads it.
  unreadable_ = false;
  gaps.new_budget();
  EXPECT_EQ(translate(gaps, 10).target, 18);
}

}  // namespace
}  // namespace duplex::offsets
