// Delivery guarantees under crashes, between two real Kafka clusters: the west sidecar is
// killed with SIGKILL at random moments while east is written (partly in transactions, some
// of them aborted), or one of two workers is paused past its session timeout. A read_committed
// consumer on west then compares record ids with what east committed.
#include <gmock/gmock.h>

#include <csignal>
#include <random>
#include <thread>

#include "kafka/empty_range_probe.h"
#include "metrics/exposition.h"
#include "metrics/http_get.h"
#include "tests/support/failover_steps.h"
#include "tests/support/group_consumer.h"
#include "tests/support/offset_syncs.h"
#include "tests/support/two_regions.h"

namespace duplex::testing {
namespace {

using ExactlyOnce = FailoverSteps;
using ::testing::AnyOf;
using ::testing::HasSubstr;

constexpr int kPartitions = 4;

struct CrashLoopResult {
  int kills = 0;
  size_t copied = 0;  // records read on west
  size_t missing = 0;
  size_t duplicates = 0;
  size_t aborted_copied = 0;  // records of aborted east transactions seen on west
  int kills_behind = 0;       // kills while the sidecar had records left to copy
};

class CrashLoop : public ExactlyOnce {
 protected:
  // Writes `rounds` x `per_round` records in east (every other round in a transaction, every
  // fifth one preceded by an aborted transaction of 500 records) while the west sidecar is
  // killed with SIGKILL at a random moment after it became ready, at least `min_kills` times
  // and until the writer is done; then lets the last one finish.
  CrashLoopResult run(const std::string& delivery, int rounds, int per_round, int min_kills,
                      std::chrono::milliseconds pause) {
    const std::string topic = prefix_ + ".payments";
    Cluster(kEast).create_topic(topic, kPartitions);
    std::atomic<bool> writing{true};
    std::thread writer([&] {
      for (int r = 0; r < rounds; ++r) {
        if (r % 5 == 0) {
          produce_in_transaction(kEast, topic, records("aborted", r * 500, 500, kPartitions),
                                 prefix_ + ".writer", false);
        }
        auto batch = records("east", r * per_round, per_round, kPartitions);
        if (r % 2 == 0) {
          produce_in_transaction(kEast, topic, batch, prefix_ + ".writer", true);
        } else {
          produce_records(kEast, topic, batch);
        }
        std::this_thread::sleep_for(pause);  // paced: records keep coming across the kills
      }
      writing = false;
    });

    const std::string extra = "delivery: " + delivery + "\n";
    std::mt19937 random(std::random_device{}());
    std::uniform_int_distribution<int> moment_ms(100, 2500);
    CrashLoopResult result;
    auto sidecar = start_sidecar("west", "east", "", extra);
    auto ready = [&] {
      return metrics::http_get(metrics_port("west"), "/readyz").rfind("HTTP/1.1 200", 0) == 0;
    };
    while (result.kills < min_kills || writing) {
      // Ready: it has its partitions (and in exactly-once mode has fenced and resumed them).
      EXPECT_TRUE(wait_until(ready, 60s)) << log_of(*sidecar);
      // Deliberate: the kill comes at a random moment of the copying.
      std::this_thread::sleep_for(std::chrono::milliseconds(moment_ms(random)));
      std::string metrics = metrics::body_of(metrics::http_get(metrics_port("west"), "/metrics"));
      sidecar->kill9();
      result.kills_behind += metrics::sum_samples(metrics, "duplex_lag_records") > 0 ? 1 : 0;
      result.kills++;
      sidecar = start_sidecar("west", "east", "", extra);
    }
    writer.join();
    // The last sidecar first waits out its killed predecessor's session, then catches up. Only
    // then is the target complete: reading earlier could stop short, since duplicates make up
    // the expected count before every record is there.
    auto caught_up = [&] {
      std::string m = metrics::body_of(metrics::http_get(metrics_port("west"), "/metrics"));
      return metrics::count_samples(m, "duplex_lag_records", {{"topic", topic}}) == kPartitions &&
             metrics::sum_samples(m, "duplex_lag_records", {{"topic", topic}}) == 0;
    };
    EXPECT_TRUE(wait_until(caught_up, 180s)) << log_of(*sidecar);

    const size_t total = static_cast<size_t>(rounds) * per_round;
    auto got = read_all(kWest, topic, total, 180s, 2s);
    EXPECT_EQ(sidecar->terminate(), 0) << log_of(*sidecar);
    auto want = records("east", 0, static_cast<int>(total), kPartitions);
    std::tie(result.missing, result.duplicates) = missing_and_duplicates(want, got);
    result.copied = got.size();
    for (const auto& r : got) {
      if (r.value && r.value->rfind("aborted-", 0) == 0) result.aborted_copied++;
    }
    // Every record that survived a kill went through the loop filter once: origin stamped.
    for (const auto& r : got) {
      if (r.header("duplex.origin") != "east") {
        ADD_FAILURE() << "record without origin east: " << r.value.value_or("");
        break;
      }
    }
    std::cout << "[ crash loop ] " << delivery << ": " << result.kills << " kills ("
              << result.kills_behind << " with records left to copy), " << result.copied
              << " records read on west, " << result.missing << " missing, " << result.duplicates
              << " duplicates, " << result.aborted_copied << " from aborted transactions\n";
    return result;
  }
};

TEST_F(CrashLoop, ExactlyOnceSurvivesRepeatedKills) {
  auto result = run("exactly-once", 80, 2500, 10, 500ms);
  EXPECT_GE(result.kills, 10);
  EXPECT_EQ(result.missing, 0u);
  EXPECT_EQ(result.duplicates, 0u);
  EXPECT_EQ(result.aborted_copied, 0u);
}

TEST_F(CrashLoop, AtLeastOnceLosesNothingUnderRepeatedKills) {
  auto result = run("at-least-once", 80, 2500, 10, 500ms);
  EXPECT_GE(result.kills, 10);
  EXPECT_EQ(result.missing, 0u);  // duplicates allowed: counted in the line above
  EXPECT_EQ(result.aborted_copied, 0u);
}

// Two workers share the flow; one is paused (SIGSTOP) past its session timeout while records
// keep coming, so the other takes its partitions and fences it; then it is resumed (SIGCONT)
// with transactions still open. Nothing it writes after that may become visible.
TEST_F(ExactlyOnce, PausedWorkerIsFencedAndAddsNoDuplicates) {
  const std::string topic = prefix_ + ".ledger";
  Cluster(kEast).create_topic(topic, kPartitions);
  const std::string extra = "delivery: exactly-once\n";
  auto first = start_sidecar("west", "east", "", extra, 0);
  auto second = start_sidecar("west", "east", "", extra, 1);
  const int rounds = 40, per_round = 1000;
  std::thread writer([&] {
    for (int r = 0; r < rounds; ++r) {
      produce_records(kEast, topic, records("east", r * per_round, per_round, kPartitions));
      std::this_thread::sleep_for(400ms);  // paced: records keep coming across the pause
    }
  });
  auto partitions_of = [&](int port) {  // of the topic, held by the worker: a lag gauge each
    std::string metrics = metrics::body_of(metrics::http_get(port, "/metrics"));
    return metrics::count_samples(metrics, "duplex_lag_records", {{"topic", topic}});
  };
  const int first_port = metrics_port("west"), second_port = metrics_port("west") + 1;
  EXPECT_TRUE(wait_until([&] { return partitions_of(first_port) > 0; }, 60s)) << log_of(*first);
  EXPECT_TRUE(wait_until([&] { return partitions_of(second_port) > 0; }, 60s)) << log_of(*second);
  std::this_thread::sleep_for(2s);  // deliberate: both copy a while, the first with open work
  const size_t second_log_at_stop = log_of(*second).size();
  first->signal(SIGSTOP);
  // Past session.timeout.ms (8 s) the group gives the second worker every partition; it logs
  // them assigned, then fences their transactional ids before it copies them.
  EXPECT_TRUE(wait_until(
      [&] {
        return partitions_of(second_port) == kPartitions &&
               log_of(*second).find("assigned", second_log_at_stop) != std::string::npos;
      },
      60s))
      << log_of(*second);
  first->signal(SIGCONT);
  writer.join();

  const size_t total = rounds * per_round;
  auto got = read_all(kWest, topic, total, 120s, 2s);
  auto [missing, duplicates] = missing_and_duplicates(records("east", 0, total, kPartitions), got);
  EXPECT_EQ(missing, 0u) << log_of(*first) << log_of(*second);
  EXPECT_EQ(duplicates, 0u) << log_of(*first) << log_of(*second);
  // The paused worker did lose its partitions while it was away.
  EXPECT_THAT(log_of(*first), AnyOf(HasSubstr("fenced"), HasSubstr("lost")));
  std::cout << "[ pause ] " << got.size() << " records read on west, " << missing << " missing, "
            << duplicates << " duplicates\n";
  EXPECT_EQ(first->terminate(), 0) << log_of(*first);
  EXPECT_EQ(second->terminate(), 0) << log_of(*second);
}

// The target is away longer than the transaction timeout: open transactions cannot complete,
// are aborted, and their partitions are copied again from the stored progress.
// What the checkpointer reads to step over a gap on the target (translation of an exactly-once
// flow's aborted transactions): markers and aborted records hold no record; an open
// transaction cannot be read past, so it is never taken as empty.
TEST_F(ExactlyOnce, ARangeOfMarkersAndAbortedRecordsReadsEmptyAndAnOpenTransactionDoesNot) {
  const std::string topic = prefix_ + ".orders";
  Cluster(kWest).create_topic(topic, 1);
  produce_in_transaction(kWest, topic, records("committed", 0, 5, 1), prefix_ + ".writer", true);
  produce_in_transaction(kWest, topic, records("aborted", 0, 7, 1), prefix_ + ".writer", false);
  produce_records(kWest, topic, records("plain", 0, 3, 1));
  // Where each landed (the coordinator writes a marker after answering, so the abort marker
  // may come after the plain records).
  auto got = read_all(kWest, topic, 8, 30s, 0s);
  ASSERT_EQ(got.size(), 8u);
  int64_t after_committed = 0, first_plain = -1, end = 0;
  for (const auto& r : got) {
    if (r.value->rfind("committed-", 0) == 0)
      after_committed = std::max(after_committed, r.offset + 1);
    if (r.value->rfind("plain-", 0) == 0 && first_plain < 0) first_plain = r.offset;
  }
  for (const auto& [partition, offset] : end_offsets(kWest, topic)) end = offset;
  ASSERT_GE(first_plain - after_committed, 8) << "the commit marker, 7 aborted records, and the "
                                                 "abort marker (unless it came later)";

  kafka::EmptyRangeProbe probe("west", {{"bootstrap.servers", kWest}});
  auto first = [&](int64_t from, int64_t to, std::chrono::milliseconds timeout) {
    auto result = probe.first_record(topic, 0, from, to, timeout);
    if (auto* error = std::get_if<kafka::KafkaError>(&result)) return error->message();
    return std::to_string(std::get<int64_t>(result));
  };
  EXPECT_EQ(first(after_committed, first_plain, 10s), std::to_string(first_plain));
  EXPECT_EQ(first(0, end, 10s), "0");
  EXPECT_EQ(first(after_committed, end, 10s), std::to_string(first_plain));

  OpenTransaction open(kWest, topic, records("open", 0, 2, 1), prefix_ + ".open");
  // Its two records are at end and end + 1 (end_offsets() reads the last stable offset).
  EXPECT_THAT(first(end, end + 2, 2s), HasSubstr("not read to the end"));
}

// `duplex offsets translate` reads a gap between two copies on the target as the checkpointer
// does: the offsets of an aborted transaction (its records and markers) are stepped over, to
// the exact copy, and a gap it cannot read (an open transaction) is the answer, said on stderr.
TEST_F(ExactlyOnce, OffsetsTranslateStepsOverAnAbortedRangeOnTheTarget) {
  const std::string topic = prefix_ + ".orders";
  Cluster west(kWest);
  west.create_topic(topic, 1);
  // As an exactly-once flow leaves the target after an outage: copies, an aborted transaction of
  // copies, the same copies again. One transactional id: a transaction's markers are written
  // before the next one begins.
  const std::string flow_txn = prefix_ + ".flow";
  produce_in_transaction(kWest, topic, records("east", 0, 5, 1), flow_txn, true);
  produce_in_transaction(kWest, topic, records("east", 5, 5, 1), flow_txn, false);
  produce_in_transaction(kWest, topic, records("east", 5, 5, 1), flow_txn, true);
  auto got = read_all(kWest, topic, 10, 30s, 0s);
  ASSERT_EQ(got.size(), 10u);
  const int64_t gap = got[4].offset + 1;  // the first commit marker
  const int64_t second = got[5].offset;   // the copy of source 5 after the aborted range
  ASSERT_EQ(second - gap, 7) << "a commit marker, 5 aborted copies, an abort marker";
  const int64_t marker = got[9].offset + 1;
  // Then an open transaction (another producer's), and one more copy past it.
  OpenTransaction open(kWest, topic, records("west", 0, 2, 1), prefix_ + ".open");
  produce_records(kWest, topic, records("east", 10, 1, 1));

  write_runs(kWest, "east",
             {offsets::OffsetRun{topic, topic, 0, 0, got[0].offset, 5, 0},
              offsets::OffsetRun{topic, topic, 0, 5, second, 5, 0},
              offsets::OffsetRun{topic, topic, 0, 10, marker + 3, 1, 0}});
  write_config("west", "east");
  auto translate = [&](int64_t offset) {
    return offsets_translate(
        "west", "east",
        "--topic " + topic + " --partition 0 --output json --offset " + std::to_string(offset));
  };

  auto inside = translate(3);
  EXPECT_EQ(inside.exit_code, 0) << inside.output;
  EXPECT_EQ(sum_field(inside.output, "target_offset"), 3) << inside.output;
  // The old answer was the gap's start: a consumer there re-reads every copy after it.
  auto beyond = translate(7);
  EXPECT_EQ(beyond.exit_code, 0) << beyond.output;
  EXPECT_EQ(sum_field(beyond.output, "target_offset"), second + 2) << beyond.output;
  EXPECT_EQ(beyond.output.find("stops at this gap"), std::string::npos) << beyond.output;
  // The copy past the open transaction: read_committed cannot read beyond the transaction's
  // start, so the answer stays at the gap before it (nothing skipped), and stderr says why.
  auto held = translate(10);
  EXPECT_EQ(held.exit_code, 0) << held.output;
  EXPECT_EQ(sum_field(held.output, "target_offset"), marker) << held.output;
  EXPECT_THAT(held.output, HasSubstr("not read to the end in 2000 ms")) << held.output;
  EXPECT_THAT(held.output, HasSubstr("the answer stops at this gap")) << held.output;
  std::cout << "aborted range " << gap << ".." << second - 1 << "; source 7 -> "
            << sum_field(beyond.output, "target_offset")
            << "; past the open transaction: " << held.output;
}

TEST_F(ExactlyOnce, TargetOutageAbortsAndRewindsWithoutDuplicates) {
  const std::string topic = prefix_ + ".orders";
  Cluster(kEast).create_topic(topic, kPartitions);
  cluster_extra_["west"] = ", transaction.timeout.ms: 5000";
  auto sidecar =
      start_sidecar("west", "east", "", "delivery: exactly-once\ncheckpoint: { interval: 1s }\n");
  const int rounds = 30, per_round = 1000;
  std::thread writer([&] {
    for (int r = 0; r < rounds; ++r) {
      produce_records(kEast, topic, records("east", r * per_round, per_round, kPartitions));
      std::this_thread::sleep_for(300ms);  // paced: records keep coming across the outage
    }
  });
  EXPECT_TRUE(wait_until(
      [&] {
        std::string m = metrics::body_of(metrics::http_get(metrics_port("west"), "/metrics"));
        return metrics::sum_samples(m, "duplex_records_copied_total", {{"topic", topic}}) > 0;
      },
      60s))
      << log_of(*sidecar);
  {
    Brokers brokers;
    brokers.stop("west");
    std::this_thread::sleep_for(10s);  // deliberate: away for twice the transaction timeout
    brokers.start("west");
  }
  writer.join();
  const size_t total = rounds * per_round;
  auto got = read_all(kWest, topic, total, 120s, 2s);
  auto [missing, duplicates] = missing_and_duplicates(records("east", 0, total, kPartitions), got);
  EXPECT_EQ(missing, 0u) << log_of(*sidecar);
  EXPECT_EQ(duplicates, 0u) << log_of(*sidecar);
  // Either recovery path: the transaction was aborted and rewound, or the coordinator had
  // already ended it (INVALID_TXN_STATE, fatal to the producer), which was replaced.
  EXPECT_THAT(log_of(*sidecar),
              AnyOf(HasSubstr("transaction aborted"), HasSubstr("replacing its producer")));

  // The aborted transaction's offsets on west hold no record: a group at east's end fails over
  // to the offset after west's last copy, and re-reads nothing for them.
  const std::string group = prefix_ + ".app";
  kafka::GroupOffsets at_end;
  int64_t east_end = 0;
  for (const auto& [partition, end] : end_offsets(kEast, topic)) {
    at_end[{topic, partition}] = end;
    east_end += end;
  }
  commit_offsets(kEast, group, at_end);
  std::map<int32_t, int64_t> after_last_copy;
  for (const auto& r : got) {
    after_last_copy[r.partition] = std::max(after_last_copy[r.partition], r.offset + 1);
  }
  int64_t target_sum = 0, west_end = 0;
  for (const auto& [partition, offset] : after_last_copy) target_sum += offset;
  for (const auto& [partition, end] : end_offsets(kWest, topic)) west_end += end;
  Outcome plan;
  EXPECT_TRUE(wait_until(
      [&] {
        plan = failover("west", "east", "--group " + group + " --dry-run --output json");
        return plan.exit_code == 0 && sum_field(plan.output, "source_offset") == east_end &&
               sum_field(plan.output, "target_offset") == target_sum &&
               sum_field(plan.output, "rereads") == 0;
      },
      60s))
      << "want target offsets summing to " << target_sum << "\n"
      << plan.output << log_of(*sidecar);
  // `duplex offsets translate` answers what the checkpoints say: it steps over the aborted
  // offsets too.
  for (const auto& [tp, end] : at_end) {
    auto t = offsets_translate("west", "east",
                               "--topic " + topic + " --partition " + std::to_string(tp.second) +
                                   " --output json --offset " + std::to_string(end));
    EXPECT_EQ(t.exit_code, 0) << t.output;
    EXPECT_EQ(sum_field(t.output, "target_offset"), after_last_copy[tp.second]) << t.output;
  }
  std::cout << "target outage: " << west_end - static_cast<int64_t>(got.size())
            << " offsets on west hold no record (markers, aborted copies); failover plan: "
            << plan.output << "\n";
  EXPECT_EQ(sidecar->terminate(), 0) << log_of(*sidecar);
}

}  // namespace
}  // namespace duplex::testing
