// A cluster that is not there at start (nothing listens on the port, a name that does not
// resolve): every command says which one, within a bound, and exits 1. Loopback and .invalid
// (RFC 2606) only: nothing leaves the machine.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "tests/support/command.h"

namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;

struct Timed {
  duplex::testing::Outcome outcome;
  std::chrono::duration<double> took;
};

Timed duplex(const std::string& args) {
  const auto start = std::chrono::steady_clock::now();
  // timeout(1): a hang fails the test (exit 124) instead of holding up the tier.
  auto outcome =
      duplex::testing::run_command("timeout 120 " + std::string(DUPLEX_BINARY) + " " + args);
  return {outcome, std::chrono::steady_clock::now() - start};
}

// Home west on a port nothing listens on, source east on a name no DNS resolves, with a
// password that must appear nowhere.
std::string config(const std::string& name, const std::string& extra) {
  auto path = std::filesystem::temp_directory_path() / ("duplex-unreachable-" + name + ".yaml");
  std::ofstream(path) << R"(region: west
clusters:
  west: { bootstrap.servers: "127.0.0.1:1" }
  east:
    bootstrap.servers: "nonexistent.invalid:9092"
    security.protocol: SASL_PLAINTEXT
    sasl.mechanism: PLAIN
    sasl.username: duplex
    sasl.password: "hunter2-secret-value"
flows:
  - source: east
metrics: { listen: "127.0.0.1:0" }
)" << extra;
  return path.string();
}

TEST(UnreachableCluster, RunNamesEachSilentClusterAndExitsOne) {
  auto run = duplex("run --config " + config("run", "startup: { wait: 3s }\n"));
  EXPECT_EQ(run.outcome.exit_code, 1) << run.outcome.output;
  EXPECT_LT(run.took, seconds(20)) << run.outcome.output;
  EXPECT_THAT(run.outcome.output,
              HasSubstr("cluster west (bootstrap.servers 127.0.0.1:1) did not answer within 3 s"));
  EXPECT_THAT(run.outcome.output,
              HasSubstr("cluster east (bootstrap.servers nonexistent.invalid:9092) did not "
                        "answer within 3 s"));
  // librdkafka's own reason for each, not only "transport failure".
  EXPECT_THAT(run.outcome.output, HasSubstr("Connection refused"));
  EXPECT_THAT(run.outcome.output, HasSubstr("Failed to resolve 'nonexistent.invalid:9092'"));
  EXPECT_THAT(run.outcome.output, HasSubstr("startup.wait"));
  EXPECT_THAT(run.outcome.output, Not(HasSubstr("hunter2")));
}

TEST(UnreachableCluster, RunGivesUpWithinAMinuteByDefault) {
  auto run = duplex("run --config " + config("default", ""));
  EXPECT_EQ(run.outcome.exit_code, 1) << run.outcome.output;
  EXPECT_LT(run.took, seconds(60)) << run.outcome.output;
  EXPECT_GE(run.took, seconds(29)) << "the default wait is 30 s: " << run.outcome.output;
  EXPECT_THAT(run.outcome.output, HasSubstr("cluster west (bootstrap.servers 127.0.0.1:1) did "
                                            "not answer within 30 s"));
  EXPECT_THAT(run.outcome.output, Not(HasSubstr("hunter2")));
}

TEST(UnreachableCluster, StatusSaysWhichClusterAndExitsOne) {
  auto status = duplex("status --config " + config("status", ""));
  EXPECT_EQ(status.outcome.exit_code, 1) << status.outcome.output;
  EXPECT_LT(status.took, seconds(60)) << status.outcome.output;
  EXPECT_THAT(status.outcome.output, HasSubstr("duplex status: cluster east (bootstrap.servers "
                                               "nonexistent.invalid:9092) did not answer"));
  EXPECT_THAT(status.outcome.output, HasSubstr("duplex status: cluster west (bootstrap.servers "
                                               "127.0.0.1:1) did not answer"));
  EXPECT_THAT(status.outcome.output, Not(HasSubstr("hunter2")));
}

TEST(UnreachableCluster, FailoverSaysWhichClusterAndExitsOne) {
  auto failover = duplex("failover --config " + config("failover", "") + " --from east --group g");
  EXPECT_EQ(failover.outcome.exit_code, 1) << failover.outcome.output;
  EXPECT_LT(failover.took, seconds(30)) << failover.outcome.output;
  EXPECT_THAT(failover.outcome.output, HasSubstr("duplex failover: cluster west (bootstrap.servers "
                                                 "127.0.0.1:1) did not answer within 15 s"));
}

}  // namespace
