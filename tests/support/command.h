#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace duplex::testing {

struct Outcome {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line and captures what it prints.
inline Outcome run_command(const std::string& command_line) {
  FILE* pipe = popen((command_line + " 2>&1").c_str(), "r");
  std::string output;
  std::array<char, 4096> buffer;
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace duplex::testing
