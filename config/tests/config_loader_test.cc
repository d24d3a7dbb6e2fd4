#include "config/config_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

namespace duplex::config {
namespace {

using ::testing::HasSubstr;

const char* kValid = R"(region: us-west
clusters:
  us-west: { bootstrap.servers: "kafka-west:9092" }
  us-east:
    bootstrap.servers: "kafka-east:9092"
    security.protocol: SASL_SSL
flows:
  - source: us-east
    topics: { include: ["orders.*", "payments"], exclude: ["_.*"], refresh: 2s }
    groups: { include: [".*"], sync: true }
    rename: "{topic}"
delivery: at-least-once
conflict: { policy: none, region_rank: [us-west, us-east] }
checkpoint: { interval: 5s }
metrics: { listen: "127.0.0.1:9464" }
log: { level: info, format: json }
)";

std::vector<Problem> problems_of(const std::string& yaml) {
  auto result = ConfigLoader::load_string(yaml);
  if (auto* p = std::get_if<std::vector<Problem>>(&result)) return *p;
  return {};
}

// Replaces the first occurrence of `from` in the valid config.
std::string valid_with(const std::string& from, const std::string& to) {
  std::string yaml = kValid;
  auto pos = yaml.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return yaml.replace(pos, from.size(), to);
}

// Exactly one problem, on `line`, whose message contains `text`.
void expect_one_problem(const std::string& yaml, int line, const std::string& text) {
  auto problems = problems_of(yaml);
  ASSERT_EQ(problems.size(), 1u) << ConfigLoader::format("f", problems);
  EXPECT_EQ(problems[0].line, line);
  EXPECT_THAT(problems[0].message, HasSubstr(text));
}

TEST(ConfigLoader, ValidConfigLoadsEveryField) {
  auto result = ConfigLoader::load_string(kValid);
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << ConfigLoader::format("f", std::get<std::vector<Problem>>(result));
  const auto& c = std::get<Config>(result);
  EXPECT_EQ(c.region, "us-west");
  EXPECT_EQ(c.clusters.at("us-east").at("security.protocol"), "SASL_SSL");
  ASSERT_EQ(c.flows.size(), 1u);
  EXPECT_EQ(c.flows[0].source, "us-east");
  EXPECT_EQ(c.flows[0].topics.include, (std::vector<std::string>{"orders.*", "payments"}));
  EXPECT_EQ(c.flows[0].topics.refresh, std::chrono::seconds(2));
  EXPECT_TRUE(c.flows[0].groups.sync);
  EXPECT_EQ(c.checkpoint_interval, std::chrono::seconds(5));
  EXPECT_EQ(c.log_format, LogFormat::json);
}

TEST(ConfigLoader, TopicConfigsAreSyncedByDefaultWithTheClusterLocalOnesExcluded) {
  auto result = ConfigLoader::load_string(kValid);
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  const auto& configs = std::get<Config>(result).flows.at(0).topics.configs;
  EXPECT_TRUE(configs.sync);
  EXPECT_EQ(configs.exclude, TopicConfigCopy{}.exclude);
  EXPECT_FALSE(configs.exclude.empty());
}

TEST(ConfigLoader, TopicConfigSyncCanBeTurnedOffAndItsExclusionsReplaced) {
  auto result = ConfigLoader::load_string(valid_with(
      "refresh: 2s }", "refresh: 2s, configs: { sync: false, exclude: [\"retention\\\\..*\"] } }"));
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  const auto& configs = std::get<Config>(result).flows.at(0).topics.configs;
  EXPECT_FALSE(configs.sync);
  EXPECT_EQ(configs.exclude, (std::vector<std::string>{"retention\\..*"}));
}

TEST(ConfigLoader, TopicConfigSyncProblemsAreNamed) {
  expect_one_problem(valid_with("refresh: 2s }", "refresh: 2s, configs: { sink: true } }"), 9,
                     "flows[0].topics.configs: unknown key 'sink'");
  expect_one_problem(valid_with("refresh: 2s }", "refresh: 2s, configs: { exclude: [\"(\"] } }"), 9,
                     "flows[0].topics.configs.exclude: bad regular expression '('");
}

TEST(ConfigLoader, AclSyncIsOffByDefaultAndCanBeTurnedOn) {
  auto result = ConfigLoader::load_string(kValid);
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  EXPECT_FALSE(std::get<Config>(result).flows.at(0).acls.sync);
  result = ConfigLoader::load_string(
      valid_with("rename: \"{topic}\"", "rename: \"{topic}\"\n    acls: { sync: true }"));
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << ConfigLoader::format("f", std::get<std::vector<Problem>>(result));
  EXPECT_TRUE(std::get<Config>(result).flows.at(0).acls.sync);
}

TEST(ConfigLoader, AclSyncProblemsAreNamed) {
  const std::string rename = "rename: \"{topic}\"";
  expect_one_problem(valid_with(rename, rename + "\n    acls: { sink: true }"), 12,
                     "flows[0].acls: unknown key 'sink'");
  expect_one_problem(valid_with(rename, rename + "\n    acls: { sync: maybe }"), 12,
                     "flows[0].acls.sync");
  expect_one_problem(valid_with(rename, rename + "\n    acls: true"), 12, "flows[0].acls");
}

TEST(ConfigLoader, ARegionNameMustFitInATopicName) {
  std::string yaml = kValid;
  for (size_t at; (at = yaml.find("us-east")) != std::string::npos;) yaml.replace(at, 7, "us east");
  expect_one_problem(yaml, 4, "region name 'us east' cannot be part of a topic name");
}

TEST(ConfigLoader, UnknownKey) {
  expect_one_problem(valid_with("delivery:", "deliverx: 1\ndelivery:"), 12,
                     "unknown key 'deliverx'");
}

TEST(ConfigLoader, UnknownRegionInFlow) {
  expect_one_problem(valid_with("source: us-east", "source: eu-central"), 8,
                     "unknown region 'eu-central'");
}

TEST(ConfigLoader, UnknownHomeRegion) {
  expect_one_problem(valid_with("region: us-west", "region: mars"), 1, "unknown region 'mars'");
}

TEST(ConfigLoader, BadRegex) {
  expect_one_problem(valid_with("\"payments\"", "\"pay[ments\""), 9, "bad regular expression");
}

TEST(ConfigLoader, BadDuration) {
  expect_one_problem(valid_with("interval: 5s", "interval: 5 seconds"), 14, "bad duration");
}

TEST(ConfigLoader, FlowFromHomeRegion) {
  expect_one_problem(valid_with("source: us-east", "source: us-west"), 8, "is the home region");
}

TEST(ConfigLoader, MissingBootstrapServers) {
  expect_one_problem(valid_with("bootstrap.servers: \"kafka-east:9092\"", "client.id: x"), 5,
                     "bootstrap.servers is missing");
}

TEST(ConfigLoader, PropertyLibrdkafkaRejects) {
  expect_one_problem(valid_with("security.protocol: SASL_SSL", "security.protocol: CARRIER_PIGEON"),
                     6, "librdkafka rejects 'security.protocol'");
  expect_one_problem(valid_with("security.protocol: SASL_SSL", "no.such.property: 1"), 6,
                     "librdkafka rejects 'no.such.property'");
}

TEST(ConfigLoader, ManagedPropertyCannotBeOverridden) {
  expect_one_problem(valid_with("security.protocol: SASL_SSL", "enable.idempotence: false"), 6,
                     "set by duplex");
  // A reset to the end would pass records without counting them as a source gap.
  expect_one_problem(valid_with("security.protocol: SASL_SSL", "auto.offset.reset: latest"), 6,
                     "set by duplex");
}

TEST(ConfigLoader, BadRenameTemplate) {
  expect_one_problem(valid_with("rename: \"{topic}\"", "rename: \"{source}.x\""), 11,
                     "must contain {topic}");
  expect_one_problem(valid_with("rename: \"{topic}\"", "rename: \"{region}.{topic}\""), 11,
                     "unknown placeholder {region}");
}

TEST(ConfigLoader, BadEnums) {
  expect_one_problem(valid_with("at-least-once", "at-most-once"), 12, "delivery");
  expect_one_problem(valid_with("policy: none", "policy: random"), 13, "conflict.policy");
  expect_one_problem(valid_with("format: json", "format: xml"), 16, "log.format");
  expect_one_problem(valid_with("level: info", "level: loud"), 16, "log.level");
  expect_one_problem(valid_with("sync: true", "sync: maybe"), 10, "true or false");
}

TEST(ConfigLoader, SourceGapPolicyIsPerFlowAndFailsByDefault) {
  auto loaded = [](const std::string& yaml) {
    auto result = ConfigLoader::load_string(yaml);
    EXPECT_TRUE(std::holds_alternative<Config>(result))
        << ConfigLoader::format("f", std::get<std::vector<Problem>>(result));
    return std::get<Config>(result).flows.at(0).on_source_gap;
  };
  EXPECT_EQ(loaded(kValid), SourceGapPolicy::fail);
  EXPECT_EQ(loaded(valid_with("rename: \"{topic}\"", "on.source.gap: continue")),
            SourceGapPolicy::continue_copying);
  EXPECT_EQ(loaded(valid_with("rename: \"{topic}\"", "on.source.gap: fail")),
            SourceGapPolicy::fail);
  expect_one_problem(valid_with("rename: \"{topic}\"", "on.source.gap: skip"), 11,
                     "flows[0].on.source.gap: expected fail or continue, got 'skip'");
  // A flow's setting, not a top-level one.
  expect_one_problem(valid_with("delivery:", "on.source.gap: continue\ndelivery:"), 12,
                     "unknown key 'on.source.gap'");
}

TEST(ConfigLoader, LastWriterWinsWithItsRegionRank) {
  auto result = ConfigLoader::load_string(valid_with("policy: none", "policy: last-writer-wins"));
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << ConfigLoader::format("f", std::get<std::vector<Problem>>(result));
  EXPECT_EQ(std::get<Config>(result).conflict.policy_for("orders"),
            ConflictPolicy::last_writer_wins);
}

// kValid with its conflict line (13) replaced by `conflict`, which starts on line 13.
std::string with_conflict(const std::string& conflict) {
  return valid_with("conflict: { policy: none, region_rank: [us-west, us-east] }\n", conflict);
}

// Every problem's "line: message", in the order reported.
std::vector<std::string> lines_of(const std::string& yaml) {
  std::vector<std::string> out;
  for (const auto& p : problems_of(yaml)) out.push_back(std::to_string(p.line) + ": " + p.message);
  return out;
}

TEST(ConfigLoader, ConflictSettingsLoad) {
  auto result = ConfigLoader::load_string(with_conflict(R"(conflict:
  policy: none
  region_rank: [us-east, us-west]
  audit: true
  index: { memory: 128MiB, dir: /var/lib/duplex/index }
  topics:
    - { match: "orders\\..*", policy: none }
)"));
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << ConfigLoader::format("f", std::get<std::vector<Problem>>(result));
  const auto& c = std::get<Config>(result).conflict;
  EXPECT_EQ(c.policy, ConflictPolicy::none);
  EXPECT_EQ(c.region_rank, (std::vector<std::string>{"us-east", "us-west"}));
  EXPECT_TRUE(c.audit);
  EXPECT_EQ(c.index.memory, 128u << 20);
  EXPECT_EQ(c.index.dir, "/var/lib/duplex/index");
  ASSERT_EQ(c.topics.size(), 1u);
  EXPECT_EQ(c.topics[0].match, "orders\\..*");
}

TEST(ConfigLoader, ConflictDefaults) {
  auto result = ConfigLoader::load_string(kValid);
  const auto& c = std::get<Config>(result).conflict;
  EXPECT_EQ(c.policy, ConflictPolicy::none);
  EXPECT_FALSE(c.audit);
  EXPECT_EQ(c.index.memory, 64u << 20);
  EXPECT_EQ(c.index.dir, "duplex-index");
  EXPECT_TRUE(c.topics.empty());
}

TEST(ConfigLoader, ConflictUnknownKeys) {
  EXPECT_EQ(lines_of(with_conflict(R"(conflict:
  policy: none
  polcy: none
  index: { memory: 1GiB, size: 2 }
  topics:
    - { match: a, policy: none, mode: x }
)")),
            (std::vector<std::string>{"15: conflict: unknown key 'polcy'",
                                      "16: conflict.index: unknown key 'size'",
                                      "18: conflict.topics[0]: unknown key 'mode'"}));
}

// Each alone in an otherwise valid config: one problem, on its line.
TEST(ConfigLoader, ConflictProblems) {
  struct Case {
    const char* conflict;
    int line;
    const char* message;
  };
  for (const auto& c : std::initializer_list<Case>{
           {"conflict:\n  topics:\n    - { match: \"(\", policy: none }\n", 15,
            "conflict.topics[0].match: bad regular expression '('"},
           {"conflict:\n  topics:\n    - { policy: none }\n", 15,
            "conflict.topics[0]: match is missing"},
           {"conflict:\n  topics:\n    - { match: a, policy: lww }\n", 15,
            "conflict.topics[0].policy: expected none or last-writer-wins, got 'lww'"},
           {"conflict:\n  topics: orders\n", 14, "conflict.topics: expected a list"},
           {"conflict:\n  index: { memory: 64MB }\n", 14,
            "conflict.index.memory: bad size '64MB' (use e.g. 512KiB, 64MiB, 1GiB)"},
           {"conflict:\n  index: { memory: 512KiB }\n", 14,
            "conflict.index.memory: 512KiB is too small (at least 1MiB)"},
           {"conflict:\n  index: { dir: \"\" }\n", 14, "conflict.index.dir: empty"},
           {"conflict:\n  audit: yes please\n", 14, "conflict.audit: expected true or false"},
           {"conflict:\n  region_rank: [us-west, us-east, us-west]\n", 14,
            "conflict.region_rank: 'us-west' is listed twice"},
           {"conflict:\n  region_rank: [us-west]\n", 14,
            "conflict.region_rank: us-east missing (list every region under clusters, once each)"},
           {"conflict:\n  region_rank: us-west\n", 14,
            "conflict.region_rank: expected a list of regions"},
       }) {
    SCOPED_TRACE(c.conflict);
    expect_one_problem(with_conflict(c.conflict), c.line, c.message);
  }
}

TEST(ConfigLoader, RegionRankProblemsComeTogether) {
  EXPECT_EQ(lines_of(with_conflict("conflict:\n  region_rank:\n    - us-west\n    - mars\n")),
            (std::vector<std::string>{
                "16: conflict.region_rank: unknown region 'mars' (not under clusters)",
                "15: conflict.region_rank: us-east missing (list every region under clusters, "
                "once each)"}));
}

TEST(ConfigLoader, LastWriterWinsNeedsRegionRank) {
  EXPECT_EQ(lines_of(with_conflict("conflict: { policy: last-writer-wins }\n")),
            (std::vector<std::string>{
                "13: conflict.region_rank: missing; last-writer-wins needs every region under "
                "clusters, once each, the one that wins a timestamp tie first"}));
  EXPECT_EQ(lines_of(with_conflict(R"(conflict:
  policy: last-writer-wins
  region_rank: [us-west, us-west]
)")),
            (std::vector<std::string>{
                "15: conflict.region_rank: 'us-west' is listed twice",
                "15: conflict.region_rank: us-east missing (list every region under clusters, "
                "once each)"}));
}

TEST(ConfigLoader, LastWriterWinsInATopicOverride) {
  const std::string overrides = R"(conflict:
  region_rank: [us-west, us-east]
  topics:
    - { match: "orders\\..*", policy: last-writer-wins }
)";
  auto result = ConfigLoader::load_string(with_conflict(overrides));
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << ConfigLoader::format("f", std::get<std::vector<Problem>>(result));
  const auto& c = std::get<Config>(result).conflict;
  EXPECT_EQ(c.policy_for("orders.eu"), ConflictPolicy::last_writer_wins);
  EXPECT_EQ(c.policy_for("payments"), ConflictPolicy::none);
  EXPECT_EQ(lines_of(with_conflict("conflict:\n  topics:\n    - { match: orders, policy: "
                                   "last-writer-wins }\n")),
            (std::vector<std::string>{
                "14: conflict.region_rank: missing; last-writer-wins needs every region under "
                "clusters, once each, the one that wins a timestamp tie first"}));
}

TEST(ConfigLoader, OversizedPolicy) {
  EXPECT_EQ(std::get<Config>(ConfigLoader::load_string(kValid)).oversized, OversizedPolicy::fail);
  auto skip = ConfigLoader::load_string(std::string(kValid) + "errors: { oversized: skip }\n");
  ASSERT_TRUE(std::holds_alternative<Config>(skip));
  EXPECT_EQ(std::get<Config>(skip).oversized, OversizedPolicy::skip);
  expect_one_problem(std::string(kValid) + "errors: { oversized: drop }\n", 17,
                     "errors.oversized: expected fail or skip, got 'drop'");
  expect_one_problem(std::string(kValid) + "errors: { oversize: skip }\n", 17,
                     "errors: unknown key 'oversize'");
}

TEST(ConfigLoader, StartupWait) {
  EXPECT_EQ(std::get<Config>(ConfigLoader::load_string(kValid)).startup_wait,
            std::chrono::seconds(30));
  auto wait_of = [](const std::string& value) {
    auto result =
        ConfigLoader::load_string(std::string(kValid) + "startup: { wait: " + value + " }\n");
    return std::get<Config>(result).startup_wait;
  };
  EXPECT_EQ(wait_of("0s"), std::chrono::milliseconds(0));
  EXPECT_EQ(wait_of("2m"), std::chrono::minutes(2));
  EXPECT_EQ(wait_of("forever"), std::chrono::milliseconds::max());
  expect_one_problem(std::string(kValid) + "startup: { wait: soon }\n", 17,
                     "startup.wait: bad duration 'soon'");
}

TEST(ConfigLoader, ExactlyOnceWithTransactionSettings) {
  auto result = ConfigLoader::load_string(
      valid_with("delivery: at-least-once",
                 "delivery: exactly-once\ntransaction: { interval: 20ms, max.records: 500 }"));
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << ConfigLoader::format("f", std::get<std::vector<Problem>>(result));
  const auto& c = std::get<Config>(result);
  EXPECT_EQ(c.delivery, Delivery::exactly_once);
  EXPECT_EQ(c.transaction.interval, std::chrono::milliseconds(20));
  EXPECT_EQ(c.transaction.max_records, 500);
  expect_one_problem(valid_with("delivery: at-least-once", "transaction: { max.records: 0 }"), 12,
                     "transaction.max.records: expected a positive whole number");
  expect_one_problem(valid_with("delivery: at-least-once", "transaction: { interval: 0ms }"), 12,
                     "transaction.interval: bad duration");
}

TEST(ConfigLoader, StaticMembershipInstanceId) {
  setenv("DUPLEX_TEST_HOST", "worker-3.us-west", 1);
  auto result = ConfigLoader::load_string(
      valid_with("delivery:", "membership: { instance_id: \"${DUPLEX_TEST_HOST}\" }\ndelivery:"));
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << ConfigLoader::format("f", std::get<std::vector<Problem>>(result));
  EXPECT_EQ(std::get<Config>(result).instance_id, "worker-3.us-west");
  EXPECT_EQ(std::get<Config>(ConfigLoader::load_string(kValid)).instance_id, "");  // dynamic
  expect_one_problem(valid_with("delivery:", "membership: { instance_id: \"a b\" }\ndelivery:"), 12,
                     "membership.instance_id: 'a b' is not a group instance id");
  expect_one_problem(valid_with("delivery:", "membership: { instance_id: \"\" }\ndelivery:"), 12,
                     "is not a group instance id");
  expect_one_problem(valid_with("delivery:", "membership: { id: x }\ndelivery:"), 12,
                     "membership: unknown key 'id'");
  // Per cluster it would reach every client of the cluster: one place, one id per process.
  expect_one_problem(valid_with("security.protocol: SASL_SSL", "group.instance.id: w1"), 6,
                     "use membership.instance_id");
  EXPECT_EQ(instance_id_problem(std::string(249, 'a')), "");
  EXPECT_NE(instance_id_problem(std::string(250, 'a')), "");
}

TEST(ConfigLoader, MissingEnvironmentVariable) {
  unsetenv("DUPLEX_TEST_UNSET");
  expect_one_problem(valid_with("SASL_SSL", "${DUPLEX_TEST_UNSET}"), 6,
                     "environment variable DUPLEX_TEST_UNSET is not set");
}

TEST(ConfigLoader, EveryProblemReportedAtOnce) {
  std::string yaml = valid_with("region: us-west", "region: mars");
  yaml = yaml.replace(yaml.find("interval: 5s"), 12, "interval: soon");
  yaml = yaml.replace(yaml.find("\"payments\""), 10, "\"(\"");
  yaml += "extra: 1\n";
  auto problems = problems_of(yaml);
  ASSERT_EQ(problems.size(), 4u) << ConfigLoader::format("f", problems);
  std::string all = ConfigLoader::format("us-west.yaml", problems);
  EXPECT_THAT(all, HasSubstr("us-west.yaml:1: region"));
  EXPECT_THAT(all, HasSubstr("us-west.yaml:9: flows[0].topics.include"));
  EXPECT_THAT(all, HasSubstr("us-west.yaml:14: checkpoint.interval"));
  EXPECT_THAT(all, HasSubstr("us-west.yaml:17: config: unknown key 'extra'"));
}

TEST(ConfigLoader, MissingSections) {
  auto problems = problems_of("log: { level: info }\n");
  ASSERT_EQ(problems.size(), 3u) << ConfigLoader::format("f", problems);
}

TEST(ConfigLoader, YamlSyntaxErrorHasLine) {
  auto problems = problems_of("region: west\nclusters: [\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_GT(problems[0].line, 0);
  EXPECT_THAT(problems[0].message, HasSubstr("YAML"));
}

TEST(ConfigLoader, UnreadableFile) {
  auto result = ConfigLoader::load_file("/nonexistent/duplex.yaml");
  ASSERT_TRUE(std::holds_alternative<std::vector<Problem>>(result));
}

}  // namespace
}  // namespace duplex::config
