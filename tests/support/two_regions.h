#pragma once
// Shared by the real-Kafka tests: the two regions' clusters, sidecar processes with their
// configs and logs, and record-set helpers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "kafka/admin_request.h"
#include "kafka/client_factory.h"
#include "kafka/group_admin.h"
#include "kafka/topic_admin.h"
#include "metrics/http_get.h"
#include "tests/support/process.h"
#include "tests/support/test_records.h"

namespace duplex::testing {

using namespace std::chrono_literals;

inline std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

inline const std::string kEast = env_or("DUPLEX_EAST_BOOTSTRAP", "127.0.0.1:19092");
inline const std::string kWest = env_or("DUPLEX_WEST_BOOTSTRAP", "127.0.0.1:29092");
// east's LINK listener, and the address it advertises: a proxy listening there and forwarding
// to the listener carries every byte of a client that bootstraps through it (kafka-local).
inline const std::string kEastLink = env_or("DUPLEX_EAST_LINK", "127.0.0.1:19095");
inline const std::string kEastLinkListener = env_or("DUPLEX_EAST_LINK_LISTENER", "127.0.0.1:19094");

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
  void delete_topic(const std::string& topic) {
    auto err = admin_.delete_topic(topic, 30s);
    ASSERT_FALSE(err) << err.message();
  }
  void grow_topic(const std::string& topic, int total) {
    auto err = admin_.create_partitions(topic, total, 30s);
    ASSERT_FALSE(err) << err.message();
  }
  // Sets the topic's configs to exactly these (AlterConfigs replaces the topic's whole set).
  void set_configs(const std::string& topic, const std::map<std::string, std::string>& configs) {
    auto err = admin_.set_topic_configs(topic, configs, 30s);
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
inline std::string unique_name(const std::string& base) {
  return base + "-" + std::to_string(getpid()) + "-" +
         std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000000);
}

// Runs `scripts/kafka-local ARGS`; a broker stopped or paused here is started or resumed again
// on destruction, so a failing test never leaves a region down for the next one.
class Brokers {
 public:
  ~Brokers() {
    for (const auto& region : paused_) run("resume " + region);
    for (const auto& region : stopped_) run("start " + region);
  }
  // SIGSTOP: the broker keeps its connections and answers nothing (a hung host).
  void pause(const std::string& region) {
    ASSERT_EQ(run("pause " + region), 0);
    paused_.push_back(region);
  }
  void resume(const std::string& region) {
    ASSERT_EQ(run("resume " + region), 0);
    std::erase(paused_, region);
  }
  void stop(const std::string& region) {
    ASSERT_EQ(run("stop " + region), 0);
    stopped_.push_back(region);
  }
  void start(const std::string& region) {
    ASSERT_EQ(run("start " + region), 0);
    std::erase(stopped_, region);
  }

 private:
  static int run(const std::string& args) {
    return std::system((env_or("DUPLEX_KAFKA_LOCAL", DUPLEX_KAFKA_LOCAL) + " " + args).c_str());
  }
  std::vector<std::string> stopped_;
  std::vector<std::string> paused_;
};

// What the flow source -> home has committed on the source, per partition.
class FlowCommits {
 public:
  FlowCommits(const std::string& home, const std::string& source)
      : bootstrap_(source == "east" ? kEast : kWest),
        group_("duplex." + home + ".from." + source),
        client_(
            kafka::make_client("test", RD_KAFKA_PRODUCER,
                               kafka::make_conf("test", {{"bootstrap.servers", bootstrap_}}, {}))),
        admin_(client_.get(), source, {{"bootstrap.servers", bootstrap_}}) {}

  // Partition -> committed offset; -1 for a partition without one (or when the ask failed).
  std::map<int, int64_t> of(const std::string& topic, int partitions) {
    std::map<int, int64_t> out;
    auto offsets = admin_.committed(group_, {{topic, partitions}}, 10s);
    for (int p = 0; p < partitions; ++p) {
      out[p] = -1;
      if (auto* o = std::get_if<kafka::GroupOffsets>(&offsets)) {
        if (auto it = o->find({topic, p}); it != o->end()) out[p] = it->second;
      }
    }
    return out;
  }

 private:
  std::string bootstrap_;
  std::string group_;
  kafka::HandlePtr client_;
  kafka::GroupAdmin admin_;
};

class TwoRegions : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / unique_name("duplex-kafka-test");
    std::filesystem::create_directories(dir_);
    prefix_ = unique_name(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  // Writes the config of the sidecar whose home is `home` and starts it. `flow_extra` is YAML
  // added to the flow (indented 4), `extra` at the top level. Workers other than 0 are more
  // sidecars of the same flow: their own config file, log and metrics port.
  std::unique_ptr<Process> start_sidecar(const std::string& home, const std::string& source,
                                         const std::string& flow_extra = "",
                                         const std::string& extra = "", int worker = 0) {
    const std::string name = worker == 0 ? home : home + "-" + std::to_string(worker);
    auto config = write_config(home, source, flow_extra, extra, worker);
    return std::make_unique<Process>(
        std::vector<std::string>{env_or("DUPLEX_BINARY", DUPLEX_BINARY), "run", "--config",
                                 config.string()},
        (dir_ / (name + ".log")).string());
  }

  // The config start_sidecar() runs with, written without starting anything.
  std::filesystem::path write_config(const std::string& home, const std::string& source,
                                     const std::string& flow_extra = "",
                                     const std::string& extra = "", int worker = 0) {
    const std::string name = worker == 0 ? home : home + "-" + std::to_string(worker);
    auto config = config_path(name);
    // A killed sidecar's group member lingers for the session timeout: keep it short so a
    // restart gets its partitions back quickly (0: the sidecar's default).
    const std::string session = session_timeout_ms_ > 0
                                    ? ", session.timeout.ms: " + std::to_string(session_timeout_ms_)
                                    : "";
    std::ofstream(config) << "region: " << home << "\n"
                          << "clusters:\n"
                          << "  east: { bootstrap.servers: \"" << bootstrap_["east"] << "\""
                          << session << cluster_extra_["east"] << " }\n"
                          << "  west: { bootstrap.servers: \"" << bootstrap_["west"] << "\""
                          << session << cluster_extra_["west"] << " }\n"
                          << "flows:\n"
                          << "  - source: " << source << "\n"
                          << "    topics: { include: [\""
                          << (include_.empty() ? prefix_ + ".*" : include_)
                          << "\"], refresh: 1s }\n"
                          << flow_extra << extra
                          << "metrics: { listen: \"127.0.0.1:" << metrics_port(home) + worker
                          << "\" }\n";
    return config;
  }

  std::filesystem::path config_path(const std::string& home) { return dir_ / (home + ".yaml"); }

  // Waits until the flow source -> home has committed all of `topic` on the source: everything
  // there is copied and the flow's progress stored, so a lost assignment re-copies nothing.
  // When it does not, the failure says per partition what was committed against the end, and
  // what the home sidecar's metrics showed.
  ::testing::AssertionResult await_flow_committed(const std::string& home,
                                                  const std::string& source,
                                                  const std::string& topic, int partitions) {
    const std::string& bootstrap = source == "east" ? kEast : kWest;
    FlowCommits commits(home, source);
    const std::string group = "duplex." + home + ".from." + source;
    std::ostringstream last;
    bool settled = wait_until(
        [&] {
          auto committed = commits.of(topic, partitions);
          auto ends = end_offsets(bootstrap, topic);
          last.str("");
          bool all = ends.size() == static_cast<size_t>(partitions);
          for (const auto& [partition, end] : ends) {
            last << " [" << partition << "] " << committed[partition] << "/" << end;
            all = all && committed[partition] == end;
          }
          return all;
        },
        60s);
    if (settled) return ::testing::AssertionSuccess();
    std::string metrics;
    try {
      std::istringstream text(metrics::http_get(metrics_port(home), "/metrics"));
      for (std::string line; std::getline(text, line);) {
        if (line.rfind("duplex_", 0) == 0) metrics += line + "\n";
      }
    } catch (const std::exception& e) {
      metrics = std::string("(no metrics: ") + e.what() + ")\n";
    }
    return ::testing::AssertionFailure()
           << group << " committed/end on " << source << ":" << last.str() << "\n"
           << metrics;
  }

  // Each region's sidecar serves /metrics on its own port.
  static int metrics_port(const std::string& home) { return home == "east" ? 19464 : 29464; }

  std::string log_of(const Process& p) {
    std::ifstream in(p.log_path());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::filesystem::path dir_;
  std::string prefix_;
  std::string include_;  // the flow's topics (a regex); empty: all of this test's (prefix_.*)
  // A test that pauses a sidecar on purpose may need longer; 0 leaves the sidecar's default.
  int session_timeout_ms_ = 8000;
  std::map<std::string, std::string> cluster_extra_;  // region -> ", key: value" for its cluster
  // Where the sidecars reach each region (e.g. through a proxy); the tests' own clients always
  // use kEast and kWest.
  std::map<std::string, std::string> bootstrap_ = {{"east", kEast}, {"west", kWest}};
};

// `count` keyed records from `region`: id "<region>-<i>", partition i % partitions, keys
// repeating (so per-key order matters), seq i in the value.
inline std::vector<TestRecord> records(const std::string& region, int from, int count,
                                       int partitions) {
  std::vector<TestRecord> out;
  for (int i = from; i < from + count; ++i) {
    TestRecord r;
    r.partition = i % partitions;
    r.key = region + "-key-" + std::to_string(i % 97);
    r.value = region + "-" + std::to_string(i);
    // Current time: records older than the topic's retention (7 days by default) are deleted
    // by the broker's first retention check, about 30 s after it starts.
    r.timestamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    out.push_back(r);
  }
  return out;
}

inline std::set<std::string> ids(const std::vector<TestRecord>& rs) {
  std::set<std::string> out;
  for (const auto& r : rs) out.insert(*r.value);
  return out;
}

// Counts what `got` lacks of `want`, and how many records of `got` repeat one.
inline std::pair<size_t, size_t> missing_and_duplicates(const std::vector<TestRecord>& want,
                                                        const std::vector<TestRecord>& got) {
  auto got_ids = ids(got);
  size_t missing = 0;
  for (const auto& id : ids(want)) missing += got_ids.count(id) == 0;
  return {missing, got.size() - got_ids.size()};
}

}  // namespace duplex::testing
