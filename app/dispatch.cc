#include <iostream>
#include <string>
#include <vector>

#include "app/commands.h"

#ifndef DUPLEX_VERSION
#define DUPLEX_VERSION "0.0.0"
#endif

namespace duplex::app {
namespace {

constexpr const char* kUsage =
    "Usage: duplex COMMAND [OPTIONS]\n"
    "\n"
    "Cross-region, active-active replication for Apache Kafka.\n"
    "\n"
    "Commands:\n"
    "  run        run the sidecar: copy the other regions' records into the home region\n"
    "  validate   check a config file and print every problem with its line\n"
    "  status     per flow: partitions, lag, rate, p99 latency, errors (sidecar up or down)\n"
    "  failover   move consumer groups from a lost region to this one (and back)\n"
    "  offsets    translate: where a source offset continues on this region\n"
    "  verify     prove this region holds what a source region holds (compare both, in order)\n"
    "  demo       two in-process regions replicating both ways: see duplex work, no Kafka needed\n"
    "\n"
    "Options:\n"
    "  --version  print the version\n"
    "  --help     show this help (also: duplex COMMAND --help)\n"
    "\n"
    "Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad config.\n";

}  // namespace

int dispatch(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string command = args.front();
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "--version" || command == "version") {
    std::cout << "duplex " << DUPLEX_VERSION << "\n";
    return kExitOk;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (command == "run") return run_command(rest);
  if (command == "validate") return validate_command(rest);
  if (command == "demo") return demo_command(rest);
  if (command == "status") return status_command(rest);
  if (command == "failover") return failover_command(rest);
  if (command == "offsets") return offsets_command(rest);
  if (command == "verify") return verify_command(rest);
  std::cerr << "duplex: unknown command '" << command << "'\n\n" << kUsage;
  return kExitUsage;
}

}  // namespace duplex::app
