#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace duplex::testing {

// A child process (e.g. a `duplex run` sidecar) whose output goes to a log file.
// The destructor kills it if it is still running, so no test leaves one behind.
class Process {
 public:
  Process(std::vector<std::string> argv, std::string log_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // SIGTERM, then waits up to `grace` (SIGKILL after that). Returns the exit code, or
  // 128+signal when it died of one.
  int terminate(std::chrono::milliseconds grace = std::chrono::seconds(30));
  // SIGKILL: a crash, with no chance to flush or commit.
  void kill9();
  void signal(int sig);
  bool running();
  // Waits up to `timeout` for it to end by itself: its exit code (as terminate()), or -1 while
  // it still runs.
  int wait(std::chrono::milliseconds timeout);
  const std::string& log_path() const { return log_path_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_path_;
};

}  // namespace duplex::testing
