// Faults of the source that lose records, on real brokers: records that expire before they are
// copied (a paused sidecar, a retention shorter than the pause) are counted exactly, logged with
// their range, and either passed or stop the sidecar (on.source.gap); a topic deleted and
// created again is copied from its new start while the flow's other topics go on; a partition
// increase on the source is followed.
#include <gmock/gmock.h>

#include <csignal>

#include "metrics/exposition.h"
#include "metrics/http_get.h"
#include "tests/support/command.h"
#include "tests/support/two_regions.h"

namespace duplex::testing {
namespace {

using ::testing::HasSubstr;
using SourceGapKafka = TwoRegions;

// West's copy of `topic` holds exactly the records of these spans of east's records, each once.
void expect_copied_once(const std::string& topic,
                        const std::vector<std::vector<TestRecord>>& spans) {
  std::vector<TestRecord> want;
  for (const auto& span : spans) want.insert(want.end(), span.begin(), span.end());
  auto got = read_all(kWest, topic, want.size(), 30s);
  auto [missing, duplicates] = missing_and_duplicates(want, got);
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(duplicates, 0u);
  EXPECT_EQ(got.size(), want.size());
}

class SourceGapKafkaTest : public TwoRegions {
 protected:
  double lost(const std::string& topic) {
    try {
      auto body = metrics::body_of(metrics::http_get(metrics_port("west"), "/metrics"));
      if (body.find("duplex_records_lost_total{") == std::string::npos) return -1;
      return metrics::sum_samples(body, "duplex_records_lost_total", {{"topic", topic}});
    } catch (const std::exception&) {
      return -1;
    }
  }

  // Records 0..99 are copied and committed; then, the sidecar paused (SIGSTOP), 100..199 are
  // written and expire (retention lowered until the log start passes them), 200..249 are
  // written, and the sidecar resumes. A fetch the sidecar sent before the pause may still be
  // waiting at the broker: record 100, written alone first, answers it (and is copied on
  // resume); 101..199 are then fetched by no one. Returns the sidecar, resumed.
  std::unique_ptr<Process> pause_past_retention(const std::string& topic,
                                                const std::string& flow_extra,
                                                const std::string& extra) {
    Cluster east(kEast);
    east.create_topic(topic, 1);
    produce_records(kEast, topic, records("east", 0, 100, 1));
    auto sidecar = start_sidecar("west", "east", flow_extra, extra);
    EXPECT_TRUE(await_flow_committed("west", "east", topic, 1)) << log_of(*sidecar);
    EXPECT_EQ(lost(topic), 0) << "the series exists from the start, at 0";

    sidecar->signal(SIGSTOP);
    produce_records(kEast, topic, records("east", 100, 1, 1));
    produce_records(kEast, topic, records("east", 101, 99, 1));
    east.set_configs(topic, {{"retention.ms", "500"}});
    EXPECT_TRUE(wait_until([&] { return start_offsets(kEast, topic)[0] == 200; }, 60s))
        << "log start " << start_offsets(kEast, topic)[0];
    east.set_configs(topic, {});  // the default retention again: nothing more expires
    produce_records(kEast, topic, records("east", 200, 50, 1));
    sidecar->signal(SIGCONT);
    return sidecar;
  }

  // The first offset of the gap the log names ("offsets F to 199 (N records)"), checking that N
  // is 200 - F; -1 when the log has no such line.
  static int64_t gap_start(const std::string& log, const std::string& topic) {
    const std::string head = "source gap: " + topic + "[0] offsets ";
    auto at = log.find(head);
    if (at == std::string::npos) return -1;
    int64_t from = std::stoll(log.substr(at + head.size()));
    const std::string rest = std::to_string(from) + " to 199 (" + std::to_string(200 - from) +
                             " records) expired on the source";
    return log.compare(at + head.size(), rest.size(), rest) == 0 ? from : -1;
  }

  void expect_gap_counted_and_passed(const std::string& delivery) {
    const std::string topic = prefix_ + ".expiring";
    auto sidecar = pause_past_retention(topic, "    on.source.gap: continue\n",
                                        "delivery: " + delivery + "\n");
    EXPECT_TRUE(wait_until([&] { return lost(topic) > 0; }, 60s)) << log_of(*sidecar);
    EXPECT_TRUE(await_flow_committed("west", "east", topic, 1)) << log_of(*sidecar);
    const double counted = lost(topic);
    EXPECT_EQ(sidecar->terminate(), 0) << log_of(*sidecar);
    auto log = log_of(*sidecar);
    const int64_t from = gap_start(log, topic);
    EXPECT_TRUE(from == 100 || from == 101) << log;
    EXPECT_EQ(log.find("source gap:"), log.rfind("source gap:")) << "one error per gap\n" << log;

    // The count is exactly the records the sidecar had not copied: the target holds 0..from-1
    // and 200..249, each once, and nothing of the gap.
    EXPECT_EQ(counted, 200 - from);
    expect_copied_once(
        topic, {records("east", 0, static_cast<int>(from), 1), records("east", 200, 50, 1)});
  }
};

TEST_F(SourceGapKafkaTest, ExpiredRecordsAreCountedExactlyAndPassedAtLeastOnce) {
  expect_gap_counted_and_passed("at-least-once");
}

TEST_F(SourceGapKafkaTest, ExpiredRecordsAreCountedExactlyAndPassedExactlyOnce) {
  expect_gap_counted_and_passed("exactly-once");
}

TEST_F(SourceGapKafkaTest, ExpiredRecordsStopTheSidecarByDefaultNamingTheRange) {
  const std::string topic = prefix_ + ".expiring";
  auto sidecar = pause_past_retention(topic, "", "");
  EXPECT_EQ(sidecar->wait(60s), 1) << log_of(*sidecar);
  const int64_t from = gap_start(log_of(*sidecar), topic);
  EXPECT_TRUE(from == 100 || from == 101) << log_of(*sidecar);
  EXPECT_EQ(count_records(kWest, topic), from) << "nothing after the gap was copied";

  // duplex status, the sidecar down, finds the same gap below the group's commit.
  Outcome status = run_command(env_or("DUPLEX_BINARY", DUPLEX_BINARY) +
                               " status --output json --config " + config_path("west").string());
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_THAT(status.output, HasSubstr("\"records_lost\":" + std::to_string(200 - from)));
  EXPECT_THAT(status.output, HasSubstr("source gap: " + topic + "[0] offsets " +
                                       std::to_string(from) + " to 199"));

  // A restart finds it again: nothing was committed past it.
  auto again = start_sidecar("west", "east");
  EXPECT_EQ(again->wait(60s), 1) << log_of(*again);
  EXPECT_EQ(gap_start(log_of(*again), topic), from) << log_of(*again);
}

TEST_F(SourceGapKafka, ATopicDeletedAndCreatedAgainIsCopiedFromItsNewStart) {
  const std::string kept = prefix_ + ".kept";
  const std::string recreated = prefix_ + ".recreated";
  Cluster east(kEast);
  east.create_topic(kept, 1);
  east.create_topic(recreated, 1);
  produce_records(kEast, kept, records("east", 0, 50, 1));
  produce_records(kEast, recreated, records("east", 0, 50, 1));
  auto sidecar = start_sidecar("west", "east");
  ASSERT_TRUE(await_flow_committed("west", "east", recreated, 1)) << log_of(*sidecar);

  east.delete_topic(recreated);
  const std::string gone = "source topic " + recreated + " is gone";
  EXPECT_TRUE(wait_until([&] { return log_of(*sidecar).find(gone) != std::string::npos; }, 30s))
      << log_of(*sidecar);
  // The flow's other topic goes on meanwhile.
  produce_records(kEast, kept, records("east", 50, 50, 1));
  EXPECT_TRUE(wait_until([&] { return count_records(kWest, kept) == 100; }, 60s))
      << log_of(*sidecar);

  east.create_topic(recreated, 1);
  produce_records(kEast, recreated, records("east", 1000, 20, 1));  // offsets 0..19 again
  // West's copy holds the old 50 and the new 20: never stuck at the old offset 50.
  EXPECT_TRUE(wait_until([&] { return count_records(kWest, recreated) >= 70; }, 60s))
      << count_records(kWest, recreated) << "\n"
      << log_of(*sidecar);
  expect_copied_once(recreated, {records("east", 0, 50, 1), records("east", 1000, 20, 1)});
  EXPECT_TRUE(sidecar->running()) << log_of(*sidecar);
  EXPECT_EQ(sidecar->terminate(), 0) << log_of(*sidecar);
  auto log = log_of(*sidecar);
  EXPECT_EQ(log.find(gone), log.rfind(gone)) << "said once\n" << log;
  expect_copied_once(kept, {records("east", 0, 100, 1)});
}

TEST_F(SourceGapKafka, APartitionIncreaseOnTheSourceIsFollowed) {
  const std::string topic = prefix_ + ".growing";
  Cluster east(kEast), west(kWest);
  east.create_topic(topic, 2);
  produce_records(kEast, topic, records("east", 0, 200, 2));
  auto sidecar = start_sidecar("west", "east");  // topics.refresh: 1s
  ASSERT_TRUE(await_flow_committed("west", "east", topic, 2)) << log_of(*sidecar);

  east.grow_topic(topic, 4);
  EXPECT_TRUE(wait_until([&] { return west.topics()[topic] == 4; }, 30s)) << log_of(*sidecar);
  produce_records(kEast, topic, records("east", 200, 400, 4));  // 100 to each new partition
  EXPECT_TRUE(await_flow_committed("west", "east", topic, 4)) << log_of(*sidecar);
  expect_copied_once(topic, {records("east", 0, 200, 2), records("east", 200, 400, 4)});
  for (const auto& r : read_all(kWest, topic, 600, 30s)) {
    auto seq = std::stoi(r.value->substr(r.value->find('-') + 1));
    EXPECT_EQ(r.partition, seq < 200 ? seq % 2 : seq % 4) << *r.value << ": partition p to p";
  }
  EXPECT_EQ(sidecar->terminate(), 0) << log_of(*sidecar);
}

}  // namespace
}  // namespace duplex::testing
