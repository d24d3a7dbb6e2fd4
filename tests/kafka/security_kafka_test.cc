// Security on a real Kafka listener (scripts/kafka-secure, fixture kafka_secure): one broker
// with SCRAM-SHA-512 on SASL_PLAINTEXT and SASL_SSL (its certificate signed by a CA generated
// at start), StandardAuthorizer, no access without an ACL. The broker plays both regions: east
// (the source) and west (home) are the same cluster under two names, each with its own
// credentials in the config, and the flow renames ("{source}.{topic}"), so each copy lands
// next to its source topic. One broker start serves every test. The test itself acts as the
// super user admin over SASL PLAIN (a fourth listener), which librdkafka 2.0.2 can also use
// against Kafka 4, where its SCRAM fails (librdkafka #4895): only the ACL sync test, all PLAIN,
// passes on Kafka 4.
//
// Users: duplex may do everything; nowrite may not WRITE the copies of the NoWrite test's
// topic (topics "east.NoWrite*") nor create the offset syncs of a flow from "north"; nogroup
// may not READ the flow's group (duplex.west.from.east).
// (With one broker for both regions, the sidecar's own heartbeats, which carry no origin, are
// east's records too, copied to east.duplex.heartbeats: harmless here.)
#include <gmock/gmock.h>
#include <stdlib.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "kafka/acl_admin.h"
#include "kafka/admin_request.h"
#include "kafka/group_admin.h"
#include "kafka/topic_admin.h"
#include "metrics/exposition.h"
#include "metrics/http_get.h"
#include "tests/support/command.h"
#include "tests/support/two_regions.h"

namespace duplex::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::string_literals;
using Clock = std::chrono::steady_clock;

// The sidecars' metrics ports: below the kernel's ephemeral range (32768-60999 here), so that
// no client connection holds one when a sidecar starts (39464 once was).
constexpr int kMetricsPort = 31464;
constexpr int kAclMetricsPort = 31474;

// What `kafka-secure env` prints: addresses, the CA, every user's password.
struct SecureBroker {
  std::string sasl, ssl, plain, ca;
  std::map<std::string, std::string> passwords;  // user -> password

  static SecureBroker read() {
    auto out = run_command(env_or("DUPLEX_KAFKA_SECURE", DUPLEX_KAFKA_SECURE) + " env");
    SecureBroker b;
    std::istringstream lines(out.output);
    const std::regex line("export DUPLEX_SECURE_([A-Z_]+)=(.*)");
    for (std::string text; std::getline(lines, text);) {
      std::smatch m;
      if (!std::regex_match(text, m, line)) continue;
      const std::string key = m[1], value = m[2];
      if (key == "SASL") b.sasl = value;
      if (key == "SSL") b.ssl = value;
      if (key == "PLAIN") b.plain = value;
      if (key == "CA") b.ca = value;
      if (key.rfind("PASSWORD_", 0) == 0) {
        std::string user = key.substr(9);
        for (auto& c : user) c = static_cast<char>(std::tolower(c));
        b.passwords[user] = value;
      }
    }
    return b;
  }

  // The client properties of `user` on the SASL_PLAINTEXT listener, or with `tls` on SASL_SSL
  // trusting the generated CA.
  kafka::Properties as(const std::string& user, bool tls = false) const {
    kafka::Properties p = {{"bootstrap.servers", tls ? ssl : sasl},
                           {"security.protocol", tls ? "SASL_SSL" : "SASL_PLAINTEXT"},
                           {"sasl.mechanisms", "SCRAM-SHA-512"},
                           {"sasl.username", user},
                           {"sasl.password", passwords.at(user)}};
    if (tls) p["ssl.ca.location"] = ca;
    return p;
  }

  // The same user on the listener with SASL PLAIN: how the test itself acts as admin, since
  // librdkafka before 2.6.1 cannot log in with SCRAM to Kafka 4 brokers (librdkafka #4895).
  kafka::Properties plain_as(const std::string& user) const {
    return {{"bootstrap.servers", plain},
            {"security.protocol", "SASL_PLAINTEXT"},
            {"sasl.mechanisms", "PLAIN"},
            {"sasl.username", user},
            {"sasl.password", passwords.at(user)}};
  }
};

// ACLs, as the super user: everything for each test user on every topic, group and the
// cluster, then what each restricted user is denied (a DENY wins over an ALLOW).
void grant_acls(const SecureBroker& broker) {
  auto client = kafka::make_client("test", RD_KAFKA_PRODUCER,
                                   kafka::make_conf("test", broker.plain_as("admin"), {}));
  std::vector<rd_kafka_AclBinding_t*> acls;
  char err[512];
  auto add = [&](rd_kafka_ResourceType_t type, const char* name,
                 rd_kafka_ResourcePatternType_t pattern, const std::string& user,
                 rd_kafka_AclOperation_t op, rd_kafka_AclPermissionType_t permission) {
    auto* acl = rd_kafka_AclBinding_new(type, name, pattern, ("User:" + user).c_str(), "*", op,
                                        permission, err, sizeof err);
    ASSERT_NE(acl, nullptr) << err;
    acls.push_back(acl);
  };
  for (const char* user : {"duplex", "nowrite", "nogroup"}) {
    add(RD_KAFKA_RESOURCE_TOPIC, "*", RD_KAFKA_RESOURCE_PATTERN_LITERAL, user,
        RD_KAFKA_ACL_OPERATION_ALL, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW);
    add(RD_KAFKA_RESOURCE_GROUP, "*", RD_KAFKA_RESOURCE_PATTERN_LITERAL, user,
        RD_KAFKA_ACL_OPERATION_ALL, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW);
    for (auto op : {RD_KAFKA_ACL_OPERATION_DESCRIBE, RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS,
                    RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE}) {
      add(RD_KAFKA_RESOURCE_BROKER, "kafka-cluster", RD_KAFKA_RESOURCE_PATTERN_LITERAL, user, op,
          RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW);
    }
  }
  // acls.sync: duplex creates ACLs (describing them comes with DESCRIBE, above).
  add(RD_KAFKA_RESOURCE_BROKER, "kafka-cluster", RD_KAFKA_RESOURCE_PATTERN_LITERAL, "duplex",
      RD_KAFKA_ACL_OPERATION_ALTER, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW);
  add(RD_KAFKA_RESOURCE_TOPIC, "east.NoWrite", RD_KAFKA_RESOURCE_PATTERN_PREFIXED, "nowrite",
      RD_KAFKA_ACL_OPERATION_WRITE, RD_KAFKA_ACL_PERMISSION_TYPE_DENY);
  add(RD_KAFKA_RESOURCE_TOPIC, "duplex.offset-syncs.north", RD_KAFKA_RESOURCE_PATTERN_LITERAL,
      "nowrite", RD_KAFKA_ACL_OPERATION_CREATE, RD_KAFKA_ACL_PERMISSION_TYPE_DENY);
  add(RD_KAFKA_RESOURCE_GROUP, "duplex.west.from.east", RD_KAFKA_RESOURCE_PATTERN_LITERAL,
      "nogroup", RD_KAFKA_ACL_OPERATION_READ, RD_KAFKA_ACL_PERMISSION_TYPE_DENY);

  kafka::QueuePtr queue(rd_kafka_queue_new(client.get()));
  auto options = kafka::admin_options(client.get(), RD_KAFKA_ADMIN_OP_CREATEACLS, 30s);
  rd_kafka_CreateAcls(client.get(), acls.data(), acls.size(), options.get(), queue.get());
  rd_kafka_AclBinding_destroy_array(acls.data(), acls.size());
  auto event = kafka::await_admin(queue.get(), 30s, "test", "creating ACLs");
  ASSERT_TRUE(std::holds_alternative<kafka::EventPtr>(event))
      << std::get<kafka::KafkaError>(event).message();
  size_t count = 0;
  const auto** results = rd_kafka_CreateAcls_result_acls(
      rd_kafka_event_CreateAcls_result(std::get<kafka::EventPtr>(event).get()), &count);
  ASSERT_EQ(count, acls.size());
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_error_t* error = rd_kafka_acl_result_error(results[i]);
    ASSERT_EQ(error, nullptr) << rd_kafka_error_string(error);
  }
}

class Security : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    broker_ = SecureBroker::read();
    ASSERT_FALSE(broker_.sasl.empty()) << "the secure broker is not up (scripts/kafka-secure up)";
    ASSERT_FALSE(broker_.plain.empty()) << "kafka-secure env names no PLAIN listener";
    ASSERT_EQ(broker_.passwords.size(), 4u);
    grant_acls(broker_);
  }

  void SetUp() override {
    if (broker_.sasl.empty()) GTEST_SKIP() << "no secure broker";
    dir_ = std::filesystem::temp_directory_path() / unique_name("duplex-security-test");
    std::filesystem::create_directories(dir_);
    topic_ = unique_name(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  // `topic_` with `count` records (ids "east-<i>") over two partitions, written as admin.
  std::vector<TestRecord> write_source(int count) {
    auto client = kafka::make_client("test", RD_KAFKA_PRODUCER,
                                     kafka::make_conf("test", broker_.plain_as("admin"), {}));
    kafka::TopicAdmin admin(client.get(), "secure");
    auto err = admin.create_topic(topic_, 2, {}, 30s);
    EXPECT_FALSE(err) << err.message();
    auto written = records("east", 0, count, 2);
    produce_records(broker_.plain_as("admin"), topic_, written);
    return written;
  }

  // Starts `duplex run` with home west pulling from source_, each cluster given by its client
  // properties. Passwords reach the config as ${ENV} references, as an operator would write.
  std::unique_ptr<Process> start(const kafka::Properties& east, const kafka::Properties& west,
                                 const std::string& extra = "",
                                 const std::string& metrics = "metrics: { listen: \"127.0.0.1:" +
                                                              std::to_string(kMetricsPort) +
                                                              "\" }\n") {
    std::ofstream config(dir_ / "west.yaml");
    config << "region: west\nclusters:\n";
    for (const auto& [region, props] : {std::pair{source_, east}, std::pair{"west"s, west}}) {
      config << "  " << region << ":\n";
      for (const auto& [key, value] : props) {
        if (key == "sasl.password") {
          const std::string var = std::string("DUPLEX_TEST_PASSWORD_") + region;
          setenv(var.c_str(), value.c_str(), 1);
          config << "    " << key << ": \"${" << var << "}\"\n";
        } else {
          config << "    " << key << ": \"" << value << "\"\n";
        }
      }
    }
    config << "flows:\n  - source: " << source_ << "\n    topics: { include: [\"" << topic_
           << "\"], refresh: 1s }\n    rename: \"{source}.{topic}\"\n"
           << extra << metrics;
    config.close();
    return std::make_unique<Process>(
        std::vector<std::string>{env_or("DUPLEX_BINARY", DUPLEX_BINARY), "run", "--config",
                                 (dir_ / "west.yaml").string()},
        (dir_ / "west.log").string());
  }

  std::string log_of(const Process& p) {
    std::ifstream in(p.log_path());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Runs a sidecar that must stop by itself with exit 1 within `bound`; returns its log.
  std::string expect_stop(const kafka::Properties& east, const kafka::Properties& west,
                          std::chrono::seconds bound, const std::string& extra = "") {
    const auto started = Clock::now();
    auto sidecar = start(east, west, extra);
    const int code = sidecar->wait(bound + 30s);  // past the bound: to tell slow from never
    const auto took = Clock::now() - started;
    const std::string log = log_of(*sidecar);
    EXPECT_EQ(code, 1) << log;
    EXPECT_LT(took, bound) << log;
    return log;
  }

  // The copies of every record in `want` arrived, each once.
  void expect_copied(const std::vector<TestRecord>& want, const kafka::Properties& reader) {
    ASSERT_TRUE(wait_until([&] { return !end_offsets(reader, copy()).empty(); }, 60s))
        << copy() << " never appeared";
    auto got = read_all(reader, copy(), want.size(), 60s);
    auto [missing, duplicates] = missing_and_duplicates(want, got);
    EXPECT_EQ(missing, 0u);
    EXPECT_EQ(duplicates, 0u);
    EXPECT_EQ(got.size(), want.size());
  }

  // No password of any user anywhere in `text`.
  static void expect_no_password(const std::string& text, const std::string& where) {
    for (const auto& [user, password] : broker_.passwords) {
      EXPECT_THAT(text, Not(HasSubstr(password))) << user << "'s password in " << where;
    }
  }

  static inline SecureBroker broker_;
  std::filesystem::path dir_;
  std::string source_ = "east";  // the source region's name; the same broker whatever it is
  std::string topic_;

  std::string copy() const { return source_ + "." + topic_; }  // the rename template's

  // The literal ACL bindings on the copy, as admin sees them.
  std::set<kafka::TopicAcl> acls_on_copy() const {
    auto client = kafka::make_client("test", RD_KAFKA_PRODUCER,
                                     kafka::make_conf("test", broker_.plain_as("admin"), {}));
    auto all = kafka::AclAdmin(client.get(), "secure").literal_topic_acls(10s);
    std::set<kafka::TopicAcl> found;
    if (auto* e = std::get_if<kafka::KafkaError>(&all)) {
      ADD_FAILURE() << e->message();
      return found;
    }
    for (const auto& acl : std::get<0>(all)) {
      if (acl.topic == copy()) found.insert(acl);
    }
    return found;
  }
};

// Source and target both over SASL_PLAINTEXT with the right SCRAM credentials: every record is
// copied once. librdkafka's own debug lines about security and the connection go to the log
// (log level debug), and neither they nor /metrics ever show a password or a config value.
// `duplex status` and `duplex verify` work with the same config.
TEST_F(Security, ScramCredentialsCopyEveryRecordAndNoSecretIsShown) {
  auto want = write_source(400);
  auto east = broker_.as("duplex");
  east["debug"] = "security,broker,conf";
  auto west = broker_.as("duplex");
  west["debug"] = "security,broker,conf";
  auto sidecar = start(east, west, "log: { level: debug }\n");
  expect_copied(want, broker_.as("admin"));
  const std::string metrics = metrics::http_get(kMetricsPort, "/metrics");
  EXPECT_THAT(metrics, HasSubstr("duplex_records_copied_total"));
  expect_no_password(metrics, "/metrics");
  for (const std::string& value : {broker_.sasl, std::string("SCRAM"), broker_.ca}) {
    EXPECT_THAT(metrics, Not(HasSubstr(value))) << "a config value in /metrics";
  }
  EXPECT_EQ(sidecar->terminate(), 0);
  const std::string log = log_of(*sidecar);
  EXPECT_THAT(log, HasSubstr("SASL"));  // librdkafka's security lines did reach the log
  expect_no_password(log, "the log");

  // The commands reach the clusters with the same settings: status (from the clusters, the
  // sidecar being down) and verify (every record of the topic and its copy, compared).
  const std::string command = env_or("DUPLEX_BINARY", DUPLEX_BINARY) + std::string(" ");
  const std::string config = " --config " + (dir_ / "west.yaml").string();
  auto status = run_command(command + "status" + config);
  EXPECT_EQ(status.exit_code, 0) << status.output;
  auto verify =
      run_command(command + "verify" + config + " --from east --output json --topic " + topic_);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_THAT(verify.output, HasSubstr("\"compared\":400,\"matching\":400,\"missing\":0"));
  expect_no_password(status.output + verify.output, "the commands' output");
}

// SASL_SSL with ssl.ca.location naming the CA the script generated: copies. Without it the
// broker's certificate cannot be verified: the sidecar stops at once, naming the cluster.
TEST_F(Security, TlsWithTheGeneratedCaCopiesAndWithoutItFailsFast) {
  auto want = write_source(200);
  auto sidecar = start(broker_.as("duplex", true), broker_.as("duplex", true));
  expect_copied(want, broker_.as("admin", true));
  EXPECT_EQ(sidecar->terminate(), 0);

  auto untrusting = broker_.as("duplex", true);
  untrusting.erase("ssl.ca.location");
  const std::string log = expect_stop(broker_.as("duplex", true), untrusting, 10s);
  EXPECT_THAT(log, HasSubstr("cluster west")) << log;
  EXPECT_THAT(log, HasSubstr("certificate verify failed")) << log;
}

// A wrong password: `duplex run` exits 1 at once, not after startup.wait (30 s by default),
// with a message naming the cluster and saying that authentication failed; also with
// `startup.wait: forever`, which waits for clusters that are not up yet, not for a login the
// cluster refuses. The password tried is never shown.
TEST_F(Security, WrongPasswordFailsFastNamingTheCluster) {
  write_source(10);
  auto wrong = broker_.as("duplex");
  wrong["sasl.password"] = "not-the-password-8d1e0c";
  for (const std::string& extra : {std::string(), std::string("startup: { wait: forever }\n")}) {
    SCOPED_TRACE(extra.empty() ? "startup.wait 30s" : "startup.wait forever");
    const std::string log = expect_stop(broker_.as("duplex"), wrong, 10s, extra);
    EXPECT_THAT(log, HasSubstr("cluster west")) << log;
    EXPECT_THAT(log, HasSubstr("authentication failed")) << log;
    EXPECT_THAT(log, Not(HasSubstr("not-the-password-8d1e0c")));
    expect_no_password(log, "the log");
  }
}

// The home principal may not WRITE the copies: the sidecar stops (exit 1) naming the topic
// and the missing permission, instead of retrying; it copied nothing and committed nothing, so
// a restart with the permission copies every record.
TEST_F(Security, NoWriteOnTheTargetTopicStopsTheFlowAndLosesNothing) {
  auto want = write_source(100);
  const std::string log = expect_stop(broker_.as("duplex"), broker_.as("nowrite"), 30s);
  EXPECT_THAT(log, HasSubstr("cluster west: not authorized: duplex's principal needs WRITE on "
                             "topic " +
                             copy() + " (TOPIC_AUTHORIZATION_FAILED"))
      << log;

  auto admin_client = kafka::make_client("test", RD_KAFKA_PRODUCER,
                                         kafka::make_conf("test", broker_.as("admin"), {}));
  kafka::GroupAdmin groups(admin_client.get(), "east", broker_.as("admin"));
  auto committed = groups.committed("duplex.west.from.east", {{topic_, 2}}, 10s);
  ASSERT_TRUE(std::holds_alternative<kafka::GroupOffsets>(committed));
  for (const auto& [partition, offset] : std::get<kafka::GroupOffsets>(committed)) {
    EXPECT_LE(offset, 0) << "a commit past the refusal on " << partition.second;
  }
  for (const auto& [partition, end] : end_offsets(broker_.as("admin"), copy())) {
    EXPECT_EQ(end, 0) << "partition " << partition;
  }

  auto sidecar = start(broker_.as("duplex"), broker_.as("duplex"));
  expect_copied(want, broker_.as("admin"));
  EXPECT_EQ(sidecar->terminate(), 0);
}

// The source principal may not READ the flow's consumer group: the sidecar stops (exit 1)
// naming the group and the missing permission, instead of retrying.
TEST_F(Security, NoReadOnTheSourceGroupStopsTheFlowNamingTheGroup) {
  write_source(10);
  const std::string log = expect_stop(broker_.as("nogroup"), broker_.as("duplex"), 30s);
  EXPECT_THAT(log, HasSubstr("cluster east: not authorized: duplex's principal needs READ on "
                             "group duplex.west.from.east (GROUP_AUTHORIZATION_FAILED"))
      << log;
}

// The home principal may not create the flow's offset-syncs topic: without it nothing could
// ever be committed, so the sidecar stops (exit 1) naming the topic and the permissions,
// instead of asking again at every refresh.
TEST_F(Security, NoCreateOnTheFlowsOwnTopicStopsTheFlowNamingIt) {
  source_ = "north";  // a flow whose offset-syncs topic no other test creates
  write_source(10);
  const std::string log = expect_stop(broker_.as("duplex"), broker_.as("nowrite"), 30s);
  EXPECT_THAT(log, HasSubstr("cluster west: not authorized: duplex's principal needs CREATE, "
                             "WRITE, READ and DESCRIBE on topic duplex.offset-syncs.north "
                             "(TOPIC_AUTHORIZATION_FAILED"))
      << log;
}

// acls.sync (MirrorMaker 2's sync.topic.acls): the source topic's ACLs as a user would set them
// (READ and WRITE for one principal, DESCRIBE for another, a DENY, a PREFIXED pattern over the
// topic's name, and ALTER for the sidecar's own principal) become exactly READ and DESCRIBE on
// the renamed copy, within a few 1 s refreshes; the rounds after create nothing.
TEST_F(Security, AclSyncCopiesAllowedReadAndDescribeOntoTheCopyOnly) {
  write_source(10);
  auto client = kafka::make_client("test", RD_KAFKA_PRODUCER,
                                   kafka::make_conf("test", broker_.plain_as("admin"), {}));
  kafka::AclAdmin acls(client.get(), "secure");
  auto binding = [](const std::string& topic, const std::string& principal,
                    rd_kafka_AclOperation_t op,
                    rd_kafka_AclPermissionType_t permission = RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW,
                    rd_kafka_ResourcePatternType_t pattern = RD_KAFKA_RESOURCE_PATTERN_LITERAL) {
    return kafka::TopicAcl{topic, pattern, principal, "*", op, permission};
  };
  auto err =
      acls.create({binding(topic_, "User:acl-reader", RD_KAFKA_ACL_OPERATION_READ),
                   binding(topic_, "User:acl-reader", RD_KAFKA_ACL_OPERATION_WRITE),
                   binding(topic_, "User:acl-viewer", RD_KAFKA_ACL_OPERATION_DESCRIBE),
                   binding(topic_, "User:acl-denied", RD_KAFKA_ACL_OPERATION_READ,
                           RD_KAFKA_ACL_PERMISSION_TYPE_DENY),
                   binding(topic_, "User:acl-prefixed", RD_KAFKA_ACL_OPERATION_READ,
                           RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, RD_KAFKA_RESOURCE_PATTERN_PREFIXED),
                   binding(topic_, "User:duplex", RD_KAFKA_ACL_OPERATION_ALTER)},
                  30s);
  ASSERT_FALSE(err) << err.message();

  const std::set<kafka::TopicAcl> want = {
      binding(copy(), "User:acl-reader", RD_KAFKA_ACL_OPERATION_READ),
      binding(copy(), "User:acl-viewer", RD_KAFKA_ACL_OPERATION_DESCRIBE)};

  const auto started = Clock::now();
  auto sidecar =
      start(broker_.plain_as("duplex"), broker_.plain_as("duplex"),
            "    acls: { sync: true }\nlog: { level: debug }\n",
            "metrics: { listen: \"127.0.0.1:" + std::to_string(kAclMetricsPort) + "\" }\n");
  std::set<kafka::TopicAcl> got;
  EXPECT_TRUE(wait_until([&] { return (got = acls_on_copy()) == want; }, 20s)) << log_of(*sidecar);
  std::cout << "ACLs on the copy after "
            << std::chrono::duration<double>(Clock::now() - started).count() << " s\n";
  EXPECT_EQ(got, want);

  // Two more rounds find the copy in step; only one round created anything, both bindings.
  auto rounds_in_step = [&] {
    std::istringstream lines(log_of(*sidecar));
    int rounds = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.find("topic ACLs of ") != std::string::npos &&
          line.find(copy()) != std::string::npos &&
          line.find(" on west in step") != std::string::npos) {
        ++rounds;
      }
    }
    return rounds;
  };
  EXPECT_TRUE(wait_until([&] { return rounds_in_step() >= 2; }, 15s)) << log_of(*sidecar);
  EXPECT_EQ(sidecar->terminate(), 0);
  const std::string log = log_of(*sidecar);
  const std::regex created("created ([0-9]+) topic ACLs on west");
  std::vector<std::string> creations;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), created);
       it != std::sregex_iterator(); ++it) {
    creations.push_back((*it)[1]);
  }
  EXPECT_EQ(creations, std::vector<std::string>{"2"}) << log;
  EXPECT_EQ(acls_on_copy(), want);
}

// acls.sync for a principal without ALTER on the target cluster (nowrite): every record is
// copied all the same; each round's refused CreateAcls is counted as an admin error, and the
// log names the missing permission once, not at every round.
TEST_F(Security, AclSyncWithoutAlterOnTheClusterIsReportedOnceAndCopyingGoesOn) {
  auto want = write_source(200);
  auto client = kafka::make_client("test", RD_KAFKA_PRODUCER,
                                   kafka::make_conf("test", broker_.plain_as("admin"), {}));
  kafka::AclAdmin acls(client.get(), "secure");
  auto err = acls.create(
      {kafka::TopicAcl{topic_, RD_KAFKA_RESOURCE_PATTERN_LITERAL, "User:acl-reader", "*",
                       RD_KAFKA_ACL_OPERATION_READ, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW}},
      30s);
  ASSERT_FALSE(err) << err.message();

  auto sidecar =
      start(broker_.plain_as("nowrite"), broker_.plain_as("nowrite"), "    acls: { sync: true }\n",
            "metrics: { listen: \"127.0.0.1:" + std::to_string(kAclMetricsPort) + "\" }\n");
  expect_copied(want, broker_.plain_as("admin"));
  const metrics::Labels admin_errors = {{"flow", "east->west"}, {"kind", "admin"}};
  std::string metrics;
  EXPECT_TRUE(wait_until(
      [&] {
        metrics = metrics::body_of(metrics::http_get(kAclMetricsPort, "/metrics"));
        return metrics::sum_samples(metrics, "duplex_errors_total", admin_errors) >= 3;
      },
      20s))
      << metrics << log_of(*sidecar);
  EXPECT_EQ(sidecar->terminate(), 0);
  const std::string log = log_of(*sidecar);
  std::istringstream lines(log);
  int warnings = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("topic ACLs not copied") == std::string::npos) continue;
    ++warnings;
    EXPECT_THAT(line, HasSubstr("cluster west: not authorized: duplex's principal needs ALTER on "
                                "the cluster"));
  }
  EXPECT_EQ(warnings, 1) << log;
  EXPECT_TRUE(acls_on_copy().empty());
}

// Without a metrics section the endpoint listens on 127.0.0.1:9464 only: the kernel's table
// of listening sockets has it on the loopback address and on no other.
TEST_F(Security, MetricsListenOnLoopbackByDefault) {
  write_source(10);
  auto sidecar = start(broker_.as("duplex"), broker_.as("duplex"), "", "");
  std::vector<std::string> listening;  // local addresses on port 9464 in state LISTEN
  ASSERT_TRUE(wait_until(
      [&] {
        listening.clear();
        for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
          std::ifstream in(table);
          std::string line;
          std::getline(in, line);  // header
          while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string slot, local, remote, state;
            fields >> slot >> local >> remote >> state;
            if (state == "0A" && local.size() > 5 && local.substr(local.size() - 5) == ":24F8") {
              listening.push_back(local);
            }
          }
        }
        return !listening.empty();
      },
      30s))
      << log_of(*sidecar);
  EXPECT_EQ(listening, std::vector<std::string>{"0100007F:24F8"});  // 127.0.0.1:9464
  EXPECT_THAT(metrics::http_get(9464, "/metrics"), HasSubstr("duplex_build_info"));
  EXPECT_EQ(sidecar->terminate(), 0);
}

}  // namespace
}  // namespace duplex::testing
