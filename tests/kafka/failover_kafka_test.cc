// Failover and failback of consumer groups between two real Kafka clusters, with the source
// region's broker stopped: `duplex failover` must need nothing from it. Every check compares
// the record ids a group read before and after the move.
#include <gmock/gmock.h>

#include <fstream>
#include <thread>

#include "kafka/group_admin.h"
#include "metrics/exposition.h"
#include "metrics/http_get.h"
#include "tests/support/failover_steps.h"
#include "tests/support/group_consumer.h"

namespace duplex::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kPartitions = 4;

std::set<std::string> values(const std::vector<TestRecord>& rs) {
  return ids(rs);
}

class Moves : public FailoverSteps {
 protected:
  // Passive standby: east writes, a group reads part of it there, east is lost, the group
  // continues in west exactly where it was.
  void passive_failover(const std::string& flow_extra, const std::string& west_topic) {
    const std::string topic = prefix_ + ".orders";
    const std::string group = prefix_ + "-payments";
    Cluster east(kEast);
    east.create_topic(topic, kPartitions);
    auto west_sidecar = start_sidecar("west", "east", flow_extra, "checkpoint: { interval: 1s }\n");
    auto all = records("east", 0, 10000, kPartitions);
    produce_records(kEast, topic, all);
    ASSERT_TRUE(wait_until([&] { return count_records(kWest, west_topic) == 10000; }, 90s))
        << log_of(*west_sidecar);

    std::vector<TestRecord> before;
    {
      GroupConsumer app(kEast, group, topic);
      before = app.read(6123, 60s);
    }
    ASSERT_EQ(before.size(), 6123u);
    await_checkpoint("west", "east", group, 6123);

    Brokers brokers;
    brokers.stop("east");
    // Nothing is written by a dry run, an unknown group or a refused one.
    Outcome dry = failover("west", "east", "--group " + group + " --dry-run");
    EXPECT_EQ(dry.exit_code, 0) << dry.output;
    EXPECT_THAT(dry.output, HasSubstr("dry run: nothing changed"));
    Outcome unknown = failover("west", "east", "--group no-such-group");
    EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
    EXPECT_THAT(unknown.output, HasSubstr("no checkpoint for group 'no-such-group'"));
    {
      GroupConsumer active(kWest, group, west_topic);
      active.join(8s);
      Outcome refused = failover("west", "east", "--group " + group);
      EXPECT_EQ(refused.exit_code, 2) << refused.output;
      EXPECT_THAT(refused.output, HasSubstr("has active members on west"));
    }
    kafka::HandlePtr client = kafka::make_client(
        "test", RD_KAFKA_PRODUCER, kafka::make_conf("test", {{"bootstrap.servers", kWest}}, {}));
    auto committed = kafka::GroupAdmin(client.get(), "west", {{"bootstrap.servers", kWest}})
                         .committed(group, {{west_topic, kPartitions}}, 10s);
    ASSERT_TRUE(std::holds_alternative<kafka::GroupOffsets>(committed));
    EXPECT_TRUE(std::get<kafka::GroupOffsets>(committed).empty()) << "a refused move wrote";

    // A corrupt checkpoint record is skipped with a warning.
    TestRecord garbage;
    garbage.key = "garbage";  // a compacted topic takes only keyed records
    garbage.value = "not a checkpoint";
    produce_records(kWest, "duplex.checkpoints.east", {garbage});
    Outcome moved = failover("west", "east", "--group " + group + " --output json");
    ASSERT_EQ(moved.exit_code, 0) << moved.output;
    EXPECT_THAT(moved.output, HasSubstr("corrupt record(s) in duplex.checkpoints.east"));
    EXPECT_EQ(sum_field(moved.output, "rereads"), 0) << moved.output;
    EXPECT_EQ(sum_field(moved.output, "source_offset"), 6123);
    EXPECT_EQ(sum_field(moved.output, "target_offset"), 6123);

    std::vector<TestRecord> after;
    {
      GroupConsumer app(kWest, group, west_topic);
      after = app.read(10000, 60s);
    }
    auto seen_before = values(before);
    std::vector<TestRecord> rest;
    for (const auto& r : all) {
      if (!seen_before.count(*r.value)) rest.push_back(r);
    }
    auto [missing, duplicates] = missing_and_duplicates(rest, after);
    EXPECT_EQ(after.size(), 3877u);
    EXPECT_EQ(missing, 0u);
    EXPECT_EQ(duplicates, 0u);
    size_t reread = 0;
    for (const auto& r : after) reread += seen_before.count(*r.value);
    EXPECT_EQ(reread, 0u);
    std::cout << "passive failover: read " << before.size() << " in east, " << after.size()
              << " in west; missing " << missing << ", duplicates " << duplicates << ", re-read "
              << reread << "\n";
    brokers.start("east");
    EXPECT_EQ(west_sidecar->terminate(), 0) << log_of(*west_sidecar);
  }
};

TEST_F(Moves, PassiveStandbyContinuesExactlyWhereTheGroupWas) {
  passive_failover("", prefix_ + ".orders");
}

TEST_F(Moves, RenameModeContinuesExactlyWhereTheGroupWas) {
  passive_failover("    rename: \"{source}.{topic}\"\n", "east." + prefix_ + ".orders");
}

// Active-active on one topic name, writes interleaved in both regions. After the move nothing
// the group had not read is missing, and what it reads again is exactly what failover said.
// Then east returns and the group fails back the same way.
TEST_F(Moves, ActiveActiveFailoverAndFailbackMissNothingAndReportEveryReRead) {
  const std::string topic = prefix_ + ".orders";
  const std::string group = prefix_ + "-ledger";
  Cluster east(kEast), west(kWest);
  east.create_topic(topic, kPartitions);
  west.create_topic(topic, kPartitions);
  const std::string checkpoints = "checkpoint: { interval: 1s }\n";
  auto west_sidecar = start_sidecar("west", "east", "", checkpoints);
  auto east_sidecar = start_sidecar("east", "west", "", checkpoints);
  std::vector<TestRecord> written;
  for (int round = 0; round < 8; ++round) {  // interleaved: each region's copies land between
    auto e = records("east", round * 500, 500, kPartitions);
    auto w = records("west", round * 500, 500, kPartitions);
    produce_records(kEast, topic, e);
    produce_records(kWest, topic, w);
    written.insert(written.end(), e.begin(), e.end());
    written.insert(written.end(), w.begin(), w.end());
    std::this_thread::sleep_for(300ms);  // deliberate: the round's copies land before the next
  }
  for (const auto& bootstrap : {kEast, kWest}) {
    int64_t seen = -1;  // what the last look found: more than 8,000 are duplicates
    ASSERT_TRUE(wait_until([&] { return (seen = count_records(bootstrap, topic)) == 8000; }, 90s))
        << seen << " records on " << bootstrap << "\nwest:\n"
        << log_of(*west_sidecar) << "\neast:\n"
        << log_of(*east_sidecar);
  }

  // The group reads 5,000 of east's 8,000 and commits; east is lost.
  std::vector<TestRecord> in_east;
  {
    GroupConsumer app(kEast, group, topic);
    in_east = app.read(5000, 60s);
  }
  ASSERT_EQ(in_east.size(), 5000u);
  const int64_t settled = await_reverse_settled("west", "east", topic, kPartitions);
  await_checkpoint("west", "east", group, 5000, settled);
  Brokers brokers;
  brokers.stop("east");
  Outcome moved = failover("west", "east", "--group " + group + " --output json");
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  const int64_t reported = sum_field(moved.output, "rereads");

  std::vector<TestRecord> in_west;
  {
    GroupConsumer app(kWest, group, topic);
    in_west = app.read(8000, 60s);
  }
  auto read_in_east = values(in_east);
  std::vector<TestRecord> unread;
  for (const auto& r : written) {
    if (!read_in_east.count(*r.value)) unread.push_back(r);
  }
  auto [missing, duplicates] = missing_and_duplicates(unread, in_west);
  size_t reread = 0;
  for (const auto& r : in_west) reread += read_in_east.count(*r.value);
  std::cout << "active-active failover: read " << in_east.size() << " in east, " << in_west.size()
            << " in west; missing " << missing << ", re-read " << reread << " (failover reported "
            << reported << ")\n";
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(duplicates, 0u);  // within what west delivered: no record twice
  EXPECT_EQ(static_cast<int64_t>(reread), reported) << moved.output;

  // Failback: east returns; both regions write more; the group moves back to east.
  brokers.start("east");
  auto more_east = records("east", 4000, 300, kPartitions);
  auto more_west = records("west", 4000, 300, kPartitions);
  produce_records(kEast, topic, more_east);
  produce_records(kWest, topic, more_west);
  for (const auto& bootstrap : {kEast, kWest}) {
    ASSERT_TRUE(wait_until([&] { return count_records(bootstrap, topic) == 8600; }, 90s))
        << log_of(*east_sidecar);
  }
  std::vector<TestRecord> in_west_again;
  {
    GroupConsumer app(kWest, group, topic);
    in_west_again = app.read(300, 60s);  // part of what is new, then east takes over
  }
  int64_t committed_in_west = 0;
  {
    kafka::HandlePtr client = kafka::make_client(
        "test", RD_KAFKA_PRODUCER, kafka::make_conf("test", {{"bootstrap.servers", kWest}}, {}));
    auto committed = kafka::GroupAdmin(client.get(), "west", {{"bootstrap.servers", kWest}})
                         .committed(group, {{topic, kPartitions}}, 10s);
    ASSERT_TRUE(std::holds_alternative<kafka::GroupOffsets>(committed));
    for (const auto& [tp, offset] : std::get<kafka::GroupOffsets>(committed)) {
      committed_in_west += offset;
    }
  }
  const int64_t settled_back = await_reverse_settled("east", "west", topic, kPartitions);
  await_checkpoint("east", "west", group, committed_in_west, settled_back);
  Outcome back = failover("east", "west", "--group " + group + " --output json");
  ASSERT_EQ(back.exit_code, 0) << back.output;
  const int64_t reported_back = sum_field(back.output, "rereads");
  std::vector<TestRecord> in_east_again;
  {
    GroupConsumer app(kEast, group, topic);
    in_east_again = app.read(8600, 60s);
  }
  std::set<std::string> read_so_far = read_in_east;
  for (const auto& r : in_west) read_so_far.insert(*r.value);
  for (const auto& r : in_west_again) read_so_far.insert(*r.value);
  std::vector<TestRecord> all = written;
  all.insert(all.end(), more_east.begin(), more_east.end());
  all.insert(all.end(), more_west.begin(), more_west.end());
  std::vector<TestRecord> unread_back;
  for (const auto& r : all) {
    if (!read_so_far.count(*r.value)) unread_back.push_back(r);
  }
  auto [missing_back, duplicates_back] = missing_and_duplicates(unread_back, in_east_again);
  size_t reread_back = 0;
  for (const auto& r : in_east_again) reread_back += read_so_far.count(*r.value);
  std::cout << "failback: " << in_west_again.size() << " more read in west, "
            << in_east_again.size() << " in east; missing " << missing_back << ", re-read "
            << reread_back << " (failover reported " << reported_back << ")\n";
  EXPECT_EQ(missing_back, 0u);
  EXPECT_EQ(duplicates_back, 0u);
  EXPECT_EQ(static_cast<int64_t>(reread_back), reported_back) << back.output;
  EXPECT_EQ(west_sidecar->terminate(), 0) << log_of(*west_sidecar);
  EXPECT_EQ(east_sidecar->terminate(), 0) << log_of(*east_sidecar);
}

// groups.sync: the west sidecar keeps an idle group's offsets on west in step with east, and
// never touches a group that has members on west.
TEST_F(Moves, GroupsSyncMovesIdleGroupsForwardAndLeavesActiveOnesAlone) {
  const std::string topic = prefix_ + ".orders";
  const std::string idle = prefix_ + "-idle", busy = prefix_ + "-busy";
  Cluster east(kEast);
  east.create_topic(topic, 2);
  auto west_sidecar = start_sidecar(
      "west", "east", "    groups: { include: [\"" + prefix_ + ".*\"], sync: true }\n",
      "checkpoint: { interval: 1s }\n");
  produce_records(kEast, topic, records("east", 0, 2000, 2));
  ASSERT_TRUE(wait_until([&] { return count_records(kWest, topic) == 2000; }, 60s));
  GroupConsumer(kEast, idle, topic).read(1200, 60s);
  GroupConsumer(kEast, busy, topic).read(500, 60s);

  kafka::HandlePtr client = kafka::make_client(
      "test", RD_KAFKA_PRODUCER, kafka::make_conf("test", {{"bootstrap.servers", kWest}}, {}));
  kafka::GroupAdmin west_groups(client.get(), "west", {{"bootstrap.servers", kWest}});
  auto committed_sum = [&](const std::string& group) {
    auto committed = west_groups.committed(group, {{topic, 2}}, 10s);
    int64_t sum = 0;
    if (auto* offsets = std::get_if<kafka::GroupOffsets>(&committed)) {
      for (const auto& [tp, offset] : *offsets) sum += offset;
    }
    return sum;
  };
  GroupConsumer busy_in_west(kWest, busy, topic);  // a member: west's own consumer of `busy`
  bool synced = wait_until(
      [&] {
        busy_in_west.join(500ms);
        return committed_sum(idle) == 1200;
      },
      60s);
  EXPECT_TRUE(synced) << "idle group on west: " << committed_sum(idle) << "\n"
                      << log_of(*west_sidecar);
  // Deliberately lets a few more checkpoint rounds (1 s) pass, the member staying in the
  // group: the busy group must still not move.
  busy_in_west.join(3s);
  EXPECT_EQ(committed_sum(busy), 0) << "an active group was moved";
  EXPECT_EQ(west_sidecar->terminate(), 0) << log_of(*west_sidecar);
}

// A checkpoint the target refuses is no checkpoint: groups.sync does not move a group on its
// strength, the group's checkpoint age is not reset, and the refusals are counted and logged
// once. The source region has a name of its own here, so that its checkpoints topic (made to
// refuse every record) is this test's alone.
TEST_F(Moves, GroupsSyncWaitsForCheckpointsTheTargetAcknowledged) {
  const std::string source = unique_name("lost");
  const std::string topic = prefix_ + ".orders";
  const std::string idle = prefix_ + "-idle";
  Cluster(kEast).create_topic(topic, 2);
  Cluster(kWest).create_topic("duplex.checkpoints." + source, 1,
                              {{"cleanup.policy", "compact"}, {"max.message.bytes", "64"}});
  std::ofstream(config_path("west"))
      << "region: west\nclusters:\n  west: { bootstrap.servers: \"" << kWest << "\" }\n  " << source
      << ": { bootstrap.servers: \"" << kEast << "\" }\nflows:\n  - source: " << source
      << "\n    topics: { include: [\"" << prefix_ << ".*\"], refresh: 1s }\n"
      << "    groups: { include: [\"" << prefix_ << ".*\"], sync: true }\n"
      << "checkpoint: { interval: 1s }\nmetrics: { listen: \"127.0.0.1:" << metrics_port("west")
      << "\" }\n";
  Process sidecar({duplex_binary(), "run", "--config", config_path("west").string()},
                  (dir_ / "west.log").string());
  produce_records(kEast, topic, records("east", 0, 2000, 2));
  ASSERT_TRUE(wait_until([&] { return count_records(kWest, topic) == 2000; }, 60s))
      << log_of(sidecar);
  GroupConsumer(kEast, idle, topic).read(1200, 60s);

  // Two rounds of the group's two checkpoints refused after its commit.
  const metrics::Labels refused = {{"flow", source + "->west"}, {"kind", "checkpoint"}};
  std::string metrics;
  EXPECT_TRUE(wait_until(
      [&] {
        metrics = metrics::body_of(metrics::http_get(metrics_port("west"), "/metrics"));
        return metrics::sum_samples(metrics, "duplex_errors_total", refused) >= 4;
      },
      60s))
      << metrics << log_of(sidecar);
  EXPECT_THAT(metrics, Not(HasSubstr("duplex_checkpoint_age_seconds{flow=\"" + source)));
  kafka::HandlePtr client = kafka::make_client(
      "test", RD_KAFKA_PRODUCER, kafka::make_conf("test", {{"bootstrap.servers", kWest}}, {}));
  auto committed = kafka::GroupAdmin(client.get(), "west", {{"bootstrap.servers", kWest}})
                       .committed(idle, {{topic, 2}}, 10s);
  ASSERT_TRUE(std::holds_alternative<kafka::GroupOffsets>(committed));
  EXPECT_TRUE(std::get<kafka::GroupOffsets>(committed).empty())
      << "groups.sync moved the group on refused checkpoints";
  EXPECT_EQ(sidecar.terminate(), 0) << log_of(sidecar);
  const std::string log = log_of(sidecar);
  const std::string warning = "checkpoint(s) not acknowledged by west";
  EXPECT_NE(log.find(warning), std::string::npos) << log;
  EXPECT_EQ(log.find(warning), log.rfind(warning)) << "logged more than once:\n" << log;
}

// MirrorMaker 2: MirrorConnectorsIntegrationTransactionsTest (its whole suite with a
// transactional source) and MirrorConnectorsIntegrationBaseTest.testReplicationWithEmptyPartition,
// through `duplex failover` with exact counts where MirrorMaker 2 asks for "more than 0, at most
// the records produced". East's topic is written by transactional producers: committed
// transactions (commit markers: the group commits a marker's offset), an aborted one, and one
// still open when the group fails over (past the last stable offset). Partition 1 never holds a
// record; the group committed 0 there, as a Java consumer does. West copies exactly-once, so its
// own commit markers lie between the copies too. What translation must see only on a broker:
// the markers' real offsets on both sides, the last stable offset, the source's end.
TEST_F(Moves, TransactionalSourceWithAnOpenTransactionAndAnEmptyPartitionFailsOverExactly) {
  const std::string topic = prefix_ + ".orders";
  const std::string group = prefix_ + "-payments";
  Cluster(kEast).create_topic(topic, 3);
  auto west_sidecar = start_sidecar("west", "east", "",
                                    "delivery: exactly-once\ntransaction: { max.records: 10 }\n"
                                    "checkpoint: { interval: 1s }\n");
  // Partitions 0 and 2 only; ids "east-<i>".
  auto batch = [](int from, int count) {
    auto rs = records("east", from, count, 1);
    for (size_t i = 0; i < rs.size(); ++i) rs[i].partition = i % 2 == 0 ? 0 : 2;
    return rs;
  };
  const auto first = batch(0, 200), aborted = batch(200, 50), second = batch(250, 100);
  produce_in_transaction(kEast, topic, first, prefix_ + "-tx", true);
  produce_in_transaction(kEast, topic, aborted, prefix_ + "-tx", false);
  produce_in_transaction(kEast, topic, second, prefix_ + "-tx", true);
  OpenTransaction open(kEast, topic, batch(350, 40), prefix_ + "-open");
  // 300 committed records: 150 per partition, with 3 markers and 25 aborted records each.
  const auto copies = read_all(kWest, topic, 300, 60s);
  ASSERT_EQ(copies.size(), 300u) << log_of(*west_sidecar);
  // Where the group continues on west: after each partition's last copy. Transactions of at
  // most 10 copies put at least 14 of west's markers between each partition's copies.
  std::map<int32_t, int64_t> after_last;
  for (const auto& r : copies)
    after_last[r.partition] = std::max(after_last[r.partition], r.offset + 1);
  ASSERT_EQ(after_last.size(), 2u);
  EXPECT_GE(after_last[0], 150 + 14);
  EXPECT_GE(after_last[2], 150 + 14);
  const int64_t target_sum = after_last[0] + after_last[2];
  std::cout << "west: copies end at " << after_last[0] << " and " << after_last[2]
            << " (150 copies each)\n";

  std::vector<TestRecord> before;
  {
    GroupConsumer app(kEast, group, topic);
    before = app.read(300, 60s, 2s);
  }
  ASSERT_EQ(before.size(), 300u);
  kafka::Properties east_props = {{"bootstrap.servers", kEast}};
  kafka::HandlePtr east_client = kafka::make_client(
      "test", RD_KAFKA_PRODUCER, kafka::make_conf("test", east_props, {{"client.id", "test"}}));
  kafka::GroupAdmin east_groups(east_client.get(), "east", east_props);
  ASSERT_FALSE(east_groups.alter(group, {{{topic, 1}, 0}}, 10s));
  auto upstream = east_groups.committed(group, {{topic, 3}}, 10s);
  ASSERT_TRUE(std::holds_alternative<kafka::GroupOffsets>(upstream));
  const auto committed_east = std::get<kafka::GroupOffsets>(upstream);
  ASSERT_EQ(committed_east.size(), 3u);
  // The offset after each partition's last committed record: 150 records, 25 aborted, 2 markers
  // before it; the third marker is at the committed offset itself.
  EXPECT_EQ(committed_east.at({topic, 0}), 177);
  EXPECT_EQ(committed_east.at({topic, 1}), 0);
  EXPECT_EQ(committed_east.at({topic, 2}), 177);

  // The exact translation of every partition, and nothing given up: the markers at the end
  // and the open transaction (past the last stable offset) are no records left uncopied.
  Outcome plan;
  ASSERT_TRUE(wait_until(
      [&] {
        plan = failover("west", "east", "--group " + group + " --dry-run --output json");
        return plan.exit_code == 0 && sum_field(plan.output, "source_offset") == 354 &&
               sum_field(plan.output, "target_offset") == target_sum &&
               sum_field(plan.output, "not_copied") == 0 &&
               plan.output.find("\"not_copied\":null") == std::string::npos;
      },
      60s))
      << plan.output << log_of(*west_sidecar);
  Outcome moved = failover("west", "east", "--group " + group + " --output json");
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  std::cout << "transactional failover: " << moved.output << "\n";
  EXPECT_EQ(sum_field(moved.output, "rereads"), 0) << moved.output;
  EXPECT_EQ(sum_field(moved.output, "target_offset"), target_sum) << moved.output;
  EXPECT_EQ(sum_field(moved.output, "not_copied"), 0) << moved.output;
  EXPECT_THAT(moved.output, HasSubstr("\"partition\":1,\"source_offset\":0,\"target_offset\":0,"
                                      "\"rereads\":0"));
  kafka::Properties west_props = {{"bootstrap.servers", kWest}};
  kafka::HandlePtr west_client = kafka::make_client(
      "test", RD_KAFKA_PRODUCER, kafka::make_conf("test", west_props, {{"client.id", "test"}}));
  auto on_west =
      kafka::GroupAdmin(west_client.get(), "west", west_props).committed(group, {{topic, 3}}, 10s);
  ASSERT_TRUE(std::holds_alternative<kafka::GroupOffsets>(on_west));
  EXPECT_EQ(std::get<kafka::GroupOffsets>(on_west),
            (kafka::GroupOffsets{
                {{topic, 0}, after_last[0]}, {{topic, 1}, 0}, {{topic, 2}, after_last[2]}}));

  // West's own writes after the move, to every partition: the group reads exactly those, none
  // of the copies it had read in east, and partition 1 from its start.
  auto fresh = records("west", 0, 30, 3);
  produce_records(kWest, topic, fresh);
  std::vector<TestRecord> after;
  {
    GroupConsumer app(kWest, group, topic);
    after = app.read(1000, 30s, 3s);
  }
  auto [missing, duplicates] = missing_and_duplicates(fresh, after);
  EXPECT_EQ(after.size(), 30u);
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(duplicates, 0u);
  size_t reread = 0;
  const auto seen_before = ids(before);
  for (const auto& r : after) reread += seen_before.count(*r.value);
  EXPECT_EQ(reread, 0u);
  EXPECT_EQ(west_sidecar->terminate(), 0) << log_of(*west_sidecar);
}

// No MirrorMaker 2 test covers it (issue 17): records compaction removed on the source before
// they were copied. A group committed inside such a hole continues on west at the first copy
// after it: it skips nothing and re-reads nothing.
TEST_F(Moves, RecordsCompactedAwayBeforeTheCopyFailOverExactly) {
  const std::string topic = prefix_ + ".prices";
  const std::string group = prefix_ + "-pricing";
  Cluster(kEast).create_topic(topic, 1,
                              {{"cleanup.policy", "compact"},
                               {"segment.ms", "100"},
                               {"min.cleanable.dirty.ratio", "0.01"},
                               {"min.compaction.lag.ms", "0"}});
  // 10 rounds of 30 records, each round in its own segment (a segment rolls at the first
  // record after segment.ms; one more record closes the last): 10 keys new in every round,
  // then 20 keys written again in every round. Compacted, each round keeps its 10 new keys
  // and a hole of 20 offsets, except the last, which keeps all 30: 121 records.
  for (int round = 0; round <= 10; ++round) {
    std::vector<TestRecord> rs;
    for (int k = 0; k < (round < 10 ? 30 : 1); ++k) {
      TestRecord r;
      r.key = round == 10 ? "closing"
              : k < 10    ? "price-" + std::to_string(round) + "-" + std::to_string(k)
                          : "rate-" + std::to_string(k);
      r.value = "round-" + std::to_string(round) + "-" + std::to_string(k);
      r.timestamp = kafka::now_ms();
      rs.push_back(r);
    }
    produce_records(kEast, topic, rs);
    std::this_thread::sleep_for(150ms);  // deliberate: past segment.ms, so the next one rolls
  }
  // The broker's cleaner (every second, scripts/kafka-local) removes the older versions.
  std::vector<TestRecord> left;
  ASSERT_TRUE(wait_until(
      [&] {
        left = read_all(kEast, topic, 1, 10s, 0s);
        return left.size() == 121;
      },
      90s))
      << left.size() << " of 301 records left on east, not the 121 of a full compaction";
  std::set<int64_t> kept;
  for (const auto& r : left) kept.insert(r.offset);
  // The group stands in the first hole that has a kept record after it.
  int64_t hole = 0;
  while (kept.count(hole)) ++hole;
  ASSERT_LT(hole, *kept.rbegin());
  const int64_t kept_below =
      static_cast<int64_t>(std::distance(kept.begin(), kept.lower_bound(hole)));
  commit_offsets(kEast, group, {{{topic, 0}, hole}});

  auto west_sidecar = start_sidecar("west", "east", "", "checkpoint: { interval: 1s }\n");
  ASSERT_TRUE(wait_until(
      [&] { return count_records(kWest, topic) >= static_cast<int64_t>(left.size()); }, 60s))
      << count_records(kWest, topic) << " of " << left.size() << "\n"
      << metrics::http_get(metrics_port("west"), "/metrics") << log_of(*west_sidecar);
  const auto copies = read_all(kWest, topic, left.size(), 60s);
  ASSERT_EQ(copies.size(), left.size()) << log_of(*west_sidecar);
  await_checkpoint("west", "east", group, hole);
  Outcome moved = failover("west", "east", "--group " + group + " --output json");
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  std::cout << "compacted source: " << left.size() << " of 301 records left, group at hole " << hole
            << " (" << kept_below << " kept below it): " << moved.output << "\n";
  EXPECT_EQ(sum_field(moved.output, "target_offset"), kept_below) << moved.output;
  EXPECT_EQ(sum_field(moved.output, "rereads"), 0) << moved.output;
  // The group reads on west exactly what it would have read on east.
  GroupConsumer app(kWest, group, topic);
  auto after = app.read(left.size() - kept_below, 60s, 2s);
  std::vector<std::string> want, got;
  for (const auto& r : left) {
    if (r.offset >= hole) want.push_back(*r.value);
  }
  for (const auto& r : after) got.push_back(*r.value);
  EXPECT_EQ(got, want);
  EXPECT_EQ(west_sidecar->terminate(), 0) << log_of(*west_sidecar);
}

}  // namespace
}  // namespace duplex::testing
