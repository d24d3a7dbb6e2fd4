// The command line as an operator meets it: the real binary, its output and exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/command.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using duplex::testing::Outcome;

Outcome duplex(const std::string& args) {
  return duplex::testing::run_command(std::string(DUPLEX_BINARY) + " " + args);
}

std::string write_config(const std::string& name, const std::string& yaml) {
  auto path = std::filesystem::temp_directory_path() / ("duplex-cli-" + name + ".yaml");
  std::ofstream(path) << yaml;
  return path.string();
}

TEST(Cli, VersionAndHelp) {
  EXPECT_EQ(duplex("--version").exit_code, 0);
  EXPECT_THAT(duplex("--version").output, HasSubstr("duplex "));
  for (const char* command : {"--help", "run --help", "validate --help"}) {
    auto outcome = duplex(command);
    EXPECT_EQ(outcome.exit_code, 0) << command;
    EXPECT_THAT(outcome.output, HasSubstr("Usage: duplex")) << command;
  }
}

TEST(Cli, BadUsageExitsTwo) {
  EXPECT_EQ(duplex("").exit_code, 2);
  EXPECT_EQ(duplex("teleport").exit_code, 2);
  EXPECT_EQ(duplex("run").exit_code, 2);  // --config is required
  EXPECT_EQ(duplex("validate --config x --bogus").exit_code, 2);
}

TEST(Cli, ValidateReportsEveryProblemWithFileAndLine) {
  auto path = write_config("bad", R"(region: west
clusters:
  west: { bootstrap.servers: "127.0.0.1:29092" }
  east: { client.id: x }
flows:
  - source: west
    topics: { include: ["("] }
checkpoint: { interval: often }
)");
  auto outcome = duplex("validate --config " + path);
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.output, HasSubstr(path + ":4: clusters.east: bootstrap.servers is missing"));
  EXPECT_THAT(outcome.output, HasSubstr(path + ":6: flows[0]: source 'west' is the home region"));
  EXPECT_THAT(outcome.output, HasSubstr(path + ":7: flows[0].topics.include: bad regular"));
  EXPECT_THAT(outcome.output, HasSubstr(path + ":8: checkpoint.interval: bad duration"));
  // run refuses the same file the same way, before connecting anywhere
  EXPECT_EQ(duplex("run --config " + path).exit_code, 2);
}

TEST(Cli, RunRefusesABadInstanceId) {
  auto path = write_config("instance", R"(region: west
clusters:
  west: { bootstrap.servers: "127.0.0.1:29092" }
  east: { bootstrap.servers: "127.0.0.1:19092" }
flows:
  - source: east
)");
  auto outcome = duplex("run --config " + path + " --instance-id 'host 1'");
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.output, HasSubstr("--instance-id: 'host 1' is not a group instance id"));
  EXPECT_THAT(duplex("run --help").output, HasSubstr("--instance-id"));
}

TEST(Cli, PrintConfigNeverShowsSecrets) {
  auto path = write_config("secret", R"(region: west
clusters:
  west: { bootstrap.servers: "127.0.0.1:29092" }
  east: { bootstrap.servers: "127.0.0.1:19092", sasl.password: "${DUPLEX_CLI_SECRET}" }
flows:
  - source: east
)");
  setenv("DUPLEX_CLI_SECRET", "s3cr3t-value", 1);
  auto outcome = duplex("validate --print-config --config " + path);
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_THAT(outcome.output, HasSubstr("sasl.password: \"[redacted]\""));
  EXPECT_THAT(outcome.output, Not(HasSubstr("s3cr3t-value")));
}

// Two regions and a flow east -> west: the start of the configs below.
const std::string kHead = R"(region: west
clusters:
  west: { bootstrap.servers: "127.0.0.1:29092" }
  east: { bootstrap.servers: "127.0.0.1:19092" }
flows:
  - source: east
)";

TEST(Cli, LastWriterWinsNeedsItsRegionRank) {
  auto without = write_config("lww", kHead + "conflict: { policy: last-writer-wins }\n");
  auto outcome = duplex("validate --config " + without);
  EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
  EXPECT_THAT(outcome.output, HasSubstr(without + ":7: conflict.region_rank: missing"));
  auto with = write_config(
      "lww-ranked", kHead + "conflict: { policy: last-writer-wins, region_rank: [east, west] }\n");
  outcome = duplex("validate --config " + with);
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
}

TEST(Cli, ValidateAcceptsOrRefusesTheSourceGapPolicy) {
  auto good = write_config("gap-continue", kHead + "    on.source.gap: continue\n");
  auto outcome = duplex("validate --print-config --config " + good);
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_THAT(outcome.output, HasSubstr("on.source.gap: continue"));
  auto bad = write_config("gap-bad", kHead + "    on.source.gap: ignore\n");
  outcome = duplex("validate --config " + bad);
  EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
  EXPECT_THAT(outcome.output, HasSubstr(bad + ":7: flows[0].on.source.gap: expected fail or "
                                              "continue, got 'ignore'"));
}

TEST(Cli, MissingConfigFileIsAClearError) {
  auto outcome = duplex("validate --config /nonexistent/duplex.yaml");
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.output, HasSubstr("/nonexistent/duplex.yaml: cannot read the config file"));
}

TEST(Cli, VerifyHelpAndBadUsage) {
  auto help = duplex("verify --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.output, HasSubstr("Usage: duplex verify"));
  EXPECT_THAT(help.output, HasSubstr("--resume"));
  EXPECT_THAT(duplex("--help").output, HasSubstr("verify"));
  auto path = write_config("verify", R"(region: west
clusters:
  west: { bootstrap.servers: "127.0.0.1:1" }
  east: { bootstrap.servers: "127.0.0.1:1" }
flows:
  - source: east
)");
  const std::string base = "verify --config " + path + " ";
  EXPECT_EQ(duplex("verify --from east").exit_code, 2);  // --config is required
  auto both = duplex(base + "--from east --since 1h --from-offset 3");
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_THAT(both.output, HasSubstr("exclude each other"));
  EXPECT_EQ(duplex(base + "--from east --rate 0").exit_code, 2);
  EXPECT_EQ(duplex(base + "--from east --since yesterday").exit_code, 2);
  EXPECT_EQ(duplex(base + "--from east --topic '('").exit_code, 2);
  EXPECT_EQ(duplex(base + "--from east --output yaml").exit_code, 2);
  auto no_flow = duplex(base + "--from south");
  EXPECT_EQ(no_flow.exit_code, 2);
  EXPECT_THAT(no_flow.output, HasSubstr("no flow from region 'south'"));
  // A resume file of another flow is refused before anything is read.
  auto state = std::filesystem::temp_directory_path() / "duplex-cli-verify.state";
  std::ofstream(state) << "duplex-verify-state 1 south west\n";
  auto other = duplex(base + "--from east --resume " + state.string());
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_THAT(other.output, HasSubstr("not the resume file"));
}

}  // namespace
