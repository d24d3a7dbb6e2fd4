// A cluster that is not there at start (nothing listens on the port, a name that does not
// resolve): every command says which one, within a bound, and exits 1. Loopback and .invalid
// (RFC 2606) only: nothing leaves the machine.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "metrics/http_get.h"
#include "tests/support/command.h"
#include "tests/support/process.h"
#include "tests/support/test_records.h"

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

// A loopback port free at the moment of asking (the kernel's pick for port 0).
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  bind(fd, reinterpret_cast<sockaddr*>(&address), size);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  close(fd);
  return ntohs(address.sin_port);
}

// While it waits for its clusters, an orchestrator's probes get answers: alive, not ready (a
// liveness probe that got no answer would restart it before it could say what is wrong).
TEST(UnreachableCluster, ProbesAnswerAliveButNotReadyWhileItWaits) {
  using namespace std::chrono_literals;
  const int port = free_port();
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  auto path = config("probes", "startup: { wait: 60s }\n");
  {  // the same file, its metrics on a known port
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find("127.0.0.1:0"), 11, listen);
    std::ofstream(path) << text;
  }
  auto log = std::filesystem::temp_directory_path() / "duplex-unreachable-probes.log";
  duplex::testing::Process sidecar({DUPLEX_BINARY, "run", "--config", path}, log.string());
  auto status_of = [&](const std::string& probe) {
    return duplex::metrics::http_get(port, probe).substr(0, 12);
  };
  EXPECT_TRUE(
      duplex::testing::wait_until([&] { return status_of("/healthz") == "HTTP/1.1 200"; }, 30s));
  auto ready = duplex::metrics::http_get(port, "/readyz");
  EXPECT_THAT(ready, HasSubstr("HTTP/1.1 503"));
  EXPECT_THAT(ready, HasSubstr("waiting for the clusters (startup.wait)"));
  EXPECT_EQ(sidecar.terminate(), 0) << "a stop while waiting is a clean stop";
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
