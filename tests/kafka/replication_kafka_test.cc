// Two real single-node Kafka clusters ("east", "west", started by scripts/kafka-local) and
// two `duplex run` sidecar processes replicating both ways. Every check compares sets of
// record ids read by an independent consumer.
#include <thread>

#include "tests/support/steady_writer.h"
#include "tests/support/two_regions.h"

namespace duplex::testing {
namespace {

using ReplicationKafka = TwoRegions;

TEST_F(ReplicationKafka, ActiveActiveBothWaysEveryRecordOnceInOrder) {
  const std::string topic = prefix_ + ".orders";
  const int partitions = 4;
  Cluster east(kEast), west(kWest);
  east.create_topic(topic, partitions);
  west.create_topic(topic, partitions);
  auto east_records = records("east", 0, 5000, partitions);
  auto west_records = records("west", 0, 5000, partitions);
  std::vector<TestRecord> first_half_east(east_records.begin(), east_records.begin() + 2500);
  std::vector<TestRecord> second_half_east(east_records.begin() + 2500, east_records.end());
  std::vector<TestRecord> first_half_west(west_records.begin(), west_records.begin() + 2500);
  std::vector<TestRecord> second_half_west(west_records.begin() + 2500, west_records.end());

  auto west_sidecar = start_sidecar("west", "east");
  auto east_sidecar = start_sidecar("east", "west");
  produce_records(kEast, topic, first_half_east);
  produce_records(kWest, topic, first_half_west);
  ASSERT_TRUE(wait_until([&] { return count_records(kWest, topic) > 3000; }, 60s))
      << log_of(*west_sidecar);

  // Restart west's sidecar mid-stream while both regions keep writing.
  EXPECT_EQ(west_sidecar->terminate(), 0) << log_of(*west_sidecar);
  produce_records(kEast, topic, second_half_east);
  produce_records(kWest, topic, second_half_west);
  west_sidecar = start_sidecar("west", "east");

  std::vector<TestRecord> all = east_records;
  all.insert(all.end(), west_records.begin(), west_records.end());
  for (const auto& [name, bootstrap] : {std::pair{"east", kEast}, std::pair{"west", kWest}}) {
    auto got = read_all(bootstrap, topic, 10000, 90s, 3s);
    auto [missing, duplicates] = missing_and_duplicates(all, got);
    EXPECT_EQ(got.size(), 10000u) << name;
    EXPECT_EQ(missing, 0u) << name;
    EXPECT_EQ(duplicates, 0u) << name;
    // Origin: local records carry none; copies carry the region they came from.
    std::map<int32_t, std::map<std::string, int>> last_seq;  // partition -> origin -> seq
    for (const auto& r : got) {
      std::string origin = r.value->substr(0, 4);
      auto expected_header = origin == name ? std::nullopt : std::optional<std::string>(origin);
      EXPECT_EQ(r.header("duplex.origin"), expected_header) << *r.value;
      int seq = std::stoi(r.value->substr(5));
      EXPECT_EQ(r.partition, seq % partitions);
      auto& last = last_seq[r.partition].try_emplace(origin, -1).first->second;
      EXPECT_GT(seq, last) << "order broken in " << name << " partition " << r.partition;
      last = seq;
    }
  }
  EXPECT_EQ(west_sidecar->terminate(), 0) << log_of(*west_sidecar);
  EXPECT_EQ(east_sidecar->terminate(), 0) << log_of(*east_sidecar);
}

TEST_F(ReplicationKafka, NewCompactedTopicIsCreatedOnTargetAndCopied) {
  Cluster east(kEast), west(kWest);
  auto west_sidecar = start_sidecar("west", "east");
  // Created after the sidecar started: picked up by the topic refresh.
  const std::string topic = prefix_ + ".accounts";
  east.create_topic(topic, 3, {{"cleanup.policy", "compact"}, {"retention.ms", "3600000"}});
  auto sent = records("east", 0, 300, 3);
  produce_records(kEast, topic, sent);

  ASSERT_TRUE(wait_until([&] { return west.topics().count(topic) == 1; }, 30s))
      << log_of(*west_sidecar);
  EXPECT_EQ(west.topics().at(topic), 3);
  auto configs = west.configs(topic);
  EXPECT_EQ(configs["cleanup.policy"], "compact");
  EXPECT_EQ(configs["retention.ms"], "3600000");
  auto got = read_all(kWest, topic, sent.size(), 60s);
  auto [missing, duplicates] = missing_and_duplicates(sent, got);
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(duplicates, 0u);
  EXPECT_EQ(west_sidecar->terminate(), 0) << log_of(*west_sidecar);
}

// MirrorMaker 2: MirrorConnectorsIntegrationBaseTest#testReplication (topic configs follow the
// source) and testSyncTopicConfigs (an edit on the replica is reverted).
TEST_F(ReplicationKafka, TopicConfigsFollowTheSourceAndAReplicaLosesHandEdits) {
  Cluster east(kEast), west(kWest);
  const std::string topic = prefix_ + ".ledger";
  const std::string replica = "east." + topic;
  east.create_topic(topic, 1, {{"retention.ms", "3600000"}});
  auto west_sidecar = start_sidecar("west", "east", "    rename: \"{source}.{topic}\"\n");
  auto configs_are = [&](const std::map<std::string, std::string>& wanted) {
    return wait_until(
        [&] { return west.topics().count(replica) && west.configs(replica) == wanted; }, 30s);
  };
  ASSERT_TRUE(configs_are({{"retention.ms", "3600000"}})) << log_of(*west_sidecar);

  // Changed, set and deleted on the source after creation: the replica follows.
  east.set_configs(topic, {{"retention.ms", "7200000"}, {"segment.ms", "600000"}});
  EXPECT_TRUE(configs_are({{"retention.ms", "7200000"}, {"segment.ms", "600000"}}))
      << log_of(*west_sidecar);
  east.set_configs(topic, {{"segment.ms", "600000"}});
  EXPECT_TRUE(configs_are({{"segment.ms", "600000"}})) << log_of(*west_sidecar);

  // Edited by hand on the replica: reverted, but the cluster's own config stays.
  west.set_configs(replica, {{"segment.ms", "5000000"}, {"min.insync.replicas", "1"}});
  EXPECT_TRUE(configs_are({{"segment.ms", "600000"}, {"min.insync.replicas", "1"}}))
      << log_of(*west_sidecar);
  EXPECT_NE(log_of(*west_sidecar)
                .find("configs of target topic " + replica + " follow " + topic +
                      ": set segment.ms=600000"),
            std::string::npos)
      << log_of(*west_sidecar);
  EXPECT_EQ(west_sidecar->terminate(), 0) << log_of(*west_sidecar);
}

TEST_F(ReplicationKafka, KillNineMidStreamLosesNothing) {
  const std::string topic = prefix_ + ".payments";
  Cluster east(kEast), west(kWest);
  east.create_topic(topic, 4);
  auto sent = records("east", 0, 60000, 4);
  auto west_sidecar = start_sidecar("west", "east");

  // East keeps writing while west's sidecar is killed.
  std::thread producer([&] {
    for (size_t from = 0; from < sent.size(); from += 2000) {
      std::vector<TestRecord> batch(sent.begin() + from,
                                    sent.begin() + std::min(from + 2000, sent.size()));
      produce_records(kEast, topic, batch);
      std::this_thread::sleep_for(100ms);  // paced: east is still writing at the kill
    }
  });
  bool copying = wait_until([&] { return count_records(kWest, topic) > 8000; }, 60s);
  int64_t east_at_kill = count_records(kEast, topic);
  int64_t west_at_kill = count_records(kWest, topic);
  west_sidecar->kill9();
  producer.join();
  ASSERT_TRUE(copying) << log_of(*west_sidecar);
  EXPECT_LT(east_at_kill, static_cast<int64_t>(sent.size())) << "the kill came after the writes";
  west_sidecar = start_sidecar("west", "east");

  // Duplicates are allowed here, so a count reaching sent.size() proves nothing: wait until the
  // target stops growing, then read all of it.
  int64_t total = 0;
  ASSERT_TRUE(wait_until(
      [&, last = int64_t{-1}, stable_since = std::chrono::steady_clock::now()]() mutable {
        total = count_records(kWest, topic);
        auto now = std::chrono::steady_clock::now();
        if (total != last) stable_since = now, last = total;
        return total >= static_cast<int64_t>(sent.size()) && now - stable_since > 3s;
      },
      120s))
      << log_of(*west_sidecar);
  auto got = read_all(kWest, topic, static_cast<size_t>(total), 60s, 0s);
  auto [missing, duplicates] = missing_and_duplicates(sent, got);
  std::cout << "kill -9 mid-stream (east " << east_at_kill << ", west " << west_at_kill
            << " records at the kill): " << sent.size() << " sent, " << got.size() << " read, "
            << missing << " missing, " << duplicates << " duplicates (at-least-once)\n";
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(west_sidecar->terminate(), 0) << log_of(*west_sidecar);
}

// From MirrorMaker 2's testRestartReplication, with a changed config (issue 17): stopped while
// east is written, restarted with another topic included and exactly-once instead of
// at-least-once. Nothing written before, during or after the restart is lost or doubled (a
// clean stop commits what was flushed, and exactly-once starts from that commit), and both new
// settings are in force: the new topic is copied whole, and the copies after the restart are
// transactions (their commit markers take offsets on west).
TEST_F(ReplicationKafka, ARestartWithAChangedConfigLosesNothingAndTakesTheNewSettings) {
  const std::string orders = prefix_ + ".orders";
  const std::string payments = prefix_ + ".payments";
  Cluster east(kEast), west(kWest);
  east.create_topic(orders, 4);
  east.create_topic(payments, 2);
  auto payment_records = records("east", 0, 400, 2);
  produce_records(kEast, payments, payment_records);

  include_ = orders;
  auto sidecar = start_sidecar("west", "east");
  SteadyWriter writer(kEast, orders, "east", 4, 4000, 100);
  ASSERT_TRUE(wait_until([&] { return count_records(kWest, orders) > 2000; }, 60s))
      << log_of(*sidecar);
  ASSERT_EQ(sidecar->terminate(), 0) << log_of(*sidecar);
  const int64_t copied_before = count_records(kWest, orders);
  EXPECT_EQ(west.topics().count(payments), 0u) << "not included yet";

  include_ = prefix_ + ".*";
  sidecar = start_sidecar("west", "east", "", "delivery: exactly-once\n");
  const int before_restart = writer.written();
  ASSERT_TRUE(wait_until([&] { return count_records(kWest, orders) > copied_before + 2000; }, 60s))
      << log_of(*sidecar);
  const int written = writer.stop();
  ASSERT_EQ(writer.error(), "");
  ASSERT_GT(written, before_restart) << "east was written across the restart";
  ASSERT_TRUE(await_flow_committed("west", "east", orders, 4)) << log_of(*sidecar);
  ASSERT_TRUE(await_flow_committed("west", "east", payments, 2)) << log_of(*sidecar);

  auto got = read_all(kWest, orders, static_cast<size_t>(written), 60s);
  auto [missing, duplicates] = missing_and_duplicate_ids(SteadyWriter::ids("east", written), got);
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(duplicates, 0u);
  auto got_payments = read_all(kWest, payments, payment_records.size(), 60s);
  EXPECT_EQ(missing_and_duplicates(payment_records, got_payments),
            std::make_pair(size_t{0}, size_t{0}));
  int64_t west_end = 0;
  for (const auto& [partition, end] : end_offsets(kWest, orders)) west_end += end;
  std::cout << "restart with a changed config: " << written << " written (" << before_restart
            << " before the restart), " << got.size() << " read on west, " << missing
            << " missing, " << duplicates << " duplicates, "
            << west_end - static_cast<int64_t>(got.size()) << " offsets of transaction markers\n";
  EXPECT_GT(west_end, static_cast<int64_t>(got.size())) << "no transaction after the restart";
  EXPECT_EQ(sidecar->terminate(), 0) << log_of(*sidecar);
}

}  // namespace
}  // namespace duplex::testing
