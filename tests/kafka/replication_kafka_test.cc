// Two real single-node Kafka clusters ("east", "west", started by scripts/kafka-local) and
// two `duplex run` sidecar processes replicating both ways. Every check compares sets of
// record ids read by an independent consumer.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "kafka/client_factory.h"
#include "kafka/topic_admin.h"
#include "tests/support/process.h"
#include "tests/support/test_records.h"

namespace duplex {
namespace {

using namespace std::chrono_literals;
using testing::TestRecord;

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

const std::string kEast = env_or("DUPLEX_EAST_BOOTSTRAP", "127.0.0.1:19092");
const std::string kWest = env_or("DUPLEX_WEST_BOOTSTRAP", "127.0.0.1:29092");

// Admin calls on one cluster for test set-up and checks.
class Cluster {
 public:
  explicit Cluster(const std::string& bootstrap)
      : client_(
            kafka::make_client("test", RD_KAFKA_PRODUCER,
                               kafka::make_conf("test", {{"bootstrap.servers", bootstrap}}, {}))),
        admin_(client_.get(), bootstrap) {}

  void create_topic(const std::string& topic, int partitions,
                    const std::map<std::string, std::string>& configs = {}) {
    auto err = admin_.create_topic(topic, partitions, configs, 30s);
    ASSERT_FALSE(err) << err.message();
  }
  std::map<std::string, int> topics() { return std::get<0>(admin_.list_topics(10s)); }
  std::map<std::string, std::string> configs(const std::string& topic) {
    return std::get<0>(admin_.topic_configs(topic, 10s));
  }

 private:
  kafka::HandlePtr client_;
  kafka::TopicAdmin admin_;
};

// A unique prefix per test, so tests on the same brokers never see each other's topics.
std::string unique_name(const std::string& base) {
  return base + "-" + std::to_string(getpid()) + "-" +
         std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000000);
}

class ReplicationKafka : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / unique_name("duplex-kafka-test");
    std::filesystem::create_directories(dir_);
    prefix_ = unique_name(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  // Writes the config of the sidecar whose home is `home` and starts it.
  std::unique_ptr<testing::Process> start_sidecar(const std::string& home,
                                                  const std::string& source) {
    auto config = dir_ / (home + ".yaml");
    std::ofstream(config) << "region: " << home << "\n"
                          << "clusters:\n"
                          // A killed sidecar's group member lingers for the session timeout:
                          // keep it short so a restart gets its partitions back quickly.
                          << "  east: { bootstrap.servers: \"" << kEast
                          << "\", session.timeout.ms: 8000 }\n"
                          << "  west: { bootstrap.servers: \"" << kWest
                          << "\", session.timeout.ms: 8000 }\n"
                          << "flows:\n"
                          << "  - source: " << source << "\n"
                          << "    topics: { include: [\"" << prefix_ << ".*\"], refresh: 1s }\n"
                          << "metrics: { listen: \"127.0.0.1:" << metrics_port(home) << "\" }\n";
    return std::make_unique<testing::Process>(
        std::vector<std::string>{env_or("DUPLEX_BINARY", "duplex"), "run", "--config",
                                 config.string()},
        (dir_ / (home + ".log")).string());
  }

  static int metrics_port(const std::string& home) { return home == "east" ? 19464 : 29464; }

  std::string log_of(const testing::Process& p) {
    std::ifstream in(p.log_path());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::filesystem::path dir_;
  std::string prefix_;
};

// `count` keyed records from `region`: id "<region>-<i>", partition i % partitions, keys
// repeating (so per-key order matters), seq i in the value.
std::vector<TestRecord> records(const std::string& region, int from, int count, int partitions) {
  std::vector<TestRecord> out;
  for (int i = from; i < from + count; ++i) {
    TestRecord r;
    r.partition = i % partitions;
    r.key = region + "-key-" + std::to_string(i % 97);
    r.value = region + "-" + std::to_string(i);
    r.timestamp = 1700000000000 + i;
    out.push_back(r);
  }
  return out;
}

std::set<std::string> ids(const std::vector<TestRecord>& rs) {
  std::set<std::string> out;
  for (const auto& r : rs) out.insert(*r.value);
  return out;
}

// Counts what `got` lacks of `want`, and how many records of `got` repeat one.
std::pair<size_t, size_t> missing_and_duplicates(const std::vector<TestRecord>& want,
                                                 const std::vector<TestRecord>& got) {
  auto got_ids = ids(got);
  size_t missing = 0;
  for (const auto& id : ids(want)) missing += got_ids.count(id) == 0;
  return {missing, got.size() - got_ids.size()};
}

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
  testing::produce_records(kEast, topic, first_half_east);
  testing::produce_records(kWest, topic, first_half_west);
  ASSERT_TRUE(testing::wait_until([&] { return testing::count_records(kWest, topic) > 3000; }, 60s))
      << log_of(*west_sidecar);

  // Restart west's sidecar mid-stream while both regions keep writing.
  EXPECT_EQ(west_sidecar->terminate(), 0) << log_of(*west_sidecar);
  testing::produce_records(kEast, topic, second_half_east);
  testing::produce_records(kWest, topic, second_half_west);
  west_sidecar = start_sidecar("west", "east");

  std::vector<TestRecord> all = east_records;
  all.insert(all.end(), west_records.begin(), west_records.end());
  for (const auto& [name, bootstrap] : {std::pair{"east", kEast}, std::pair{"west", kWest}}) {
    auto got = testing::read_all(bootstrap, topic, 10000, 90s, 3s);
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
  testing::produce_records(kEast, topic, sent);

  ASSERT_TRUE(testing::wait_until([&] { return west.topics().count(topic) == 1; }, 30s))
      << log_of(*west_sidecar);
  EXPECT_EQ(west.topics().at(topic), 3);
  auto configs = west.configs(topic);
  EXPECT_EQ(configs["cleanup.policy"], "compact");
  EXPECT_EQ(configs["retention.ms"], "3600000");
  auto got = testing::read_all(kWest, topic, sent.size(), 60s);
  auto [missing, duplicates] = missing_and_duplicates(sent, got);
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(duplicates, 0u);
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
      testing::produce_records(kEast, topic, batch);
      std::this_thread::sleep_for(100ms);
    }
  });
  bool copying =
      testing::wait_until([&] { return testing::count_records(kWest, topic) > 8000; }, 60s);
  int64_t east_at_kill = testing::count_records(kEast, topic);
  int64_t west_at_kill = testing::count_records(kWest, topic);
  west_sidecar->kill9();
  producer.join();
  ASSERT_TRUE(copying) << log_of(*west_sidecar);
  EXPECT_LT(east_at_kill, static_cast<int64_t>(sent.size())) << "the kill came after the writes";
  west_sidecar = start_sidecar("west", "east");

  // Duplicates are allowed here, so a count reaching sent.size() proves nothing: wait until the
  // target stops growing, then read all of it.
  int64_t total = 0;
  ASSERT_TRUE(testing::wait_until(
      [&, last = int64_t{-1}, stable_since = std::chrono::steady_clock::now()]() mutable {
        total = testing::count_records(kWest, topic);
        auto now = std::chrono::steady_clock::now();
        if (total != last) stable_since = now, last = total;
        return total >= static_cast<int64_t>(sent.size()) && now - stable_since > 3s;
      },
      120s))
      << log_of(*west_sidecar);
  auto got = testing::read_all(kWest, topic, static_cast<size_t>(total), 60s, 0s);
  auto [missing, duplicates] = missing_and_duplicates(sent, got);
  std::cout << "kill -9 mid-stream (east " << east_at_kill << ", west " << west_at_kill
            << " records at the kill): " << sent.size() << " sent, " << got.size() << " read, "
            << missing << " missing, " << duplicates << " duplicates (at-least-once)\n";
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(west_sidecar->terminate(), 0) << log_of(*west_sidecar);
}

}  // namespace
}  // namespace duplex
