#include "config/redaction.h"

#include <gtest/gtest.h>

#include "config/config_loader.h"

namespace duplex::config {

// The smallest valid config: west pulling from east.
constexpr const char* kTwoRegions = R"(
region: west
clusters:
  west: { bootstrap.servers: "127.0.0.1:29092" }
  east: { bootstrap.servers: "127.0.0.1:19092" }
flows:
  - source: east
)";

TEST(Redaction, SecretKeys) {
  EXPECT_TRUE(is_secret_property("sasl.password"));
  EXPECT_TRUE(is_secret_property("sasl.username"));
  EXPECT_TRUE(is_secret_property("ssl.key.password"));
  EXPECT_TRUE(is_secret_property("sasl.oauthbearer.client.secret"));
  EXPECT_FALSE(is_secret_property("bootstrap.servers"));
  EXPECT_FALSE(is_secret_property("security.protocol"));
}

TEST(Redaction, DumpHidesSecretsFromEnvironment) {
  setenv("DUPLEX_TEST_PASSWORD", "hunter2-secret-value", 1);
  auto result = ConfigLoader::load_string(R"(
region: west
clusters:
  west: { bootstrap.servers: "127.0.0.1:29092" }
  east:
    bootstrap.servers: "127.0.0.1:19092"
    sasl.password: "${DUPLEX_TEST_PASSWORD}"
flows:
  - source: east
)");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  const auto& config = std::get<Config>(result);
  EXPECT_EQ(config.clusters.at("east").at("sasl.password"), "hunter2-secret-value");
  std::string dump = dump_redacted(config);
  EXPECT_EQ(dump.find("hunter2"), std::string::npos) << dump;
  EXPECT_NE(dump.find("[redacted]"), std::string::npos);
  EXPECT_NE(dump.find("127.0.0.1:19092"), std::string::npos);
}

TEST(Redaction, DumpShowsAclSyncAndReadsBack) {
  const std::string yaml = std::string(kTwoRegions) + "    acls: { sync: true }\n";
  auto result = ConfigLoader::load_string(yaml);
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << ConfigLoader::format("f", std::get<std::vector<Problem>>(result));
  std::string dump = dump_redacted(std::get<Config>(result));
  EXPECT_NE(dump.find("acls:\n      sync: true"), std::string::npos) << dump;
  auto again = ConfigLoader::load_string(dump);
  ASSERT_TRUE(std::holds_alternative<Config>(again))
      << ConfigLoader::format("dump", std::get<std::vector<Problem>>(again)) << dump;
  EXPECT_TRUE(std::get<Config>(again).flows.at(0).acls.sync);
}

TEST(Redaction, DumpShowsTheConflictSettingsAndReadsBack) {
  auto result = ConfigLoader::load_string(std::string(kTwoRegions) + R"(
conflict:
  region_rank: [east, west]
  audit: true
  index: { memory: 1536KiB, dir: /var/lib/duplex/index }
  topics: [{ match: "orders\\..*", policy: none }]
membership: { instance_id: west-2 }
)");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  std::string dump = dump_redacted(std::get<Config>(result));
  EXPECT_NE(dump.find("region_rank: [east, west]"), std::string::npos) << dump;
  EXPECT_NE(dump.find("memory: 1536KiB"), std::string::npos) << dump;
  EXPECT_NE(dump.find("dir: /var/lib/duplex/index"), std::string::npos) << dump;
  EXPECT_NE(dump.find("match: orders\\..*"), std::string::npos) << dump;
  EXPECT_NE(dump.find("instance_id: west-2"), std::string::npos) << dump;
  auto again = ConfigLoader::load_string(dump);
  ASSERT_TRUE(std::holds_alternative<Config>(again))
      << ConfigLoader::format("dump", std::get<std::vector<Problem>>(again)) << dump;
  EXPECT_EQ(dump_redacted(std::get<Config>(again)), dump);
}

// A property librdkafka rejects is reported by name; a secret's value never is.
TEST(Redaction, ProblemsNeverShowASecretValue) {
  auto result = ConfigLoader::load_string(R"(
region: west
clusters:
  west: { bootstrap.servers: "127.0.0.1:29092" }
  east:
    bootstrap.servers: "127.0.0.1:19092"
    sasl.passwrod: "hunter2-secret-value"
    ssl.keystore.passwd: "hunter3-secret-value"
flows:
  - source: east
)");
  ASSERT_TRUE(std::holds_alternative<std::vector<Problem>>(result));
  const std::string text = ConfigLoader::format("f.yaml", std::get<std::vector<Problem>>(result));
  EXPECT_NE(text.find("f.yaml:7: clusters.east: librdkafka rejects 'sasl.passwrod'"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("'ssl.keystore.passwd'"), std::string::npos) << text;
  EXPECT_EQ(text.find("hunter"), std::string::npos) << text;
}

// /metrics is reachable from other hosts only when the operator says so.
TEST(Redaction, MetricsListenDefaultsToLoopback) {
  EXPECT_EQ(Config{}.metrics_listen, "127.0.0.1:9464");
  auto result = ConfigLoader::load_string(kTwoRegions);
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  EXPECT_EQ(std::get<Config>(result).metrics_listen, "127.0.0.1:9464");
}

}  // namespace duplex::config
