#pragma once

#include <string>
#include <vector>

namespace duplex::app {

// Exit codes, as documented in the README.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Each takes the arguments after its command name and returns the process exit code.
int run_command(const std::vector<std::string>& args);
int validate_command(const std::vector<std::string>& args);
int demo_command(const std::vector<std::string>& args);
int status_command(const std::vector<std::string>& args);
int failover_command(const std::vector<std::string>& args);
int offsets_command(const std::vector<std::string>& args);
int verify_command(const std::vector<std::string>& args);

// The top level: `duplex [--version | --help | COMMAND ...]`.
int dispatch(int argc, char** argv);

}  // namespace duplex::app
