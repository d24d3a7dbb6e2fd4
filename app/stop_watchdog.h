#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace duplex::app {

// Ends the process when a stop takes longer than its bound. Whatever the clusters do, a stop
// must end: an orchestrator's SIGKILL would come next (which at-least-once pays for in
// duplicates), and a hung process keeps its ports. Once `stopping()` is true (it is asked
// every 100 ms) or arm() was called, the watchdog waits `bound`; if the process is still there
// it logs what is still running (`waiting_for()`) and exits with 1.
class StopWatchdog {
 public:
  StopWatchdog(std::chrono::milliseconds bound, std::function<bool()> stopping,
               std::function<std::string()> waiting_for);
  ~StopWatchdog();  // the process is ending in time: stand down
  StopWatchdog(const StopWatchdog&) = delete;
  StopWatchdog& operator=(const StopWatchdog&) = delete;

  void arm();

 private:
  void run();

  const std::chrono::milliseconds bound_;
  std::function<bool()> stopping_;
  std::function<std::string()> waiting_for_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool armed_ = false;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace duplex::app
