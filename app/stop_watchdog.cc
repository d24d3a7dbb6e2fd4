#include "app/stop_watchdog.h"

#include <spdlog/spdlog.h>

#include <cstdlib>

namespace duplex::app {
namespace {

constexpr std::chrono::milliseconds kLook{100};  // how often `stopping` is asked

}  // namespace

StopWatchdog::StopWatchdog(std::chrono::milliseconds bound, std::function<bool()> stopping,
                           std::function<std::string()> waiting_for)
    : bound_(bound),
      stopping_(std::move(stopping)),
      waiting_for_(std::move(waiting_for)),
      thread_([this] { run(); }) {}

StopWatchdog::~StopWatchdog() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void StopWatchdog::arm() {
  {
    std::lock_guard lock(mutex_);
    armed_ = true;
  }
  wake_.notify_all();
}

void StopWatchdog::run() {
  std::unique_lock lock(mutex_);
  while (!done_ && !armed_) {
    wake_.wait_for(lock, kLook, [&] { return done_ || armed_; });
    if (!armed_ && !done_ && stopping_()) armed_ = true;
  }
  if (done_) return;
  const auto deadline = std::chrono::steady_clock::now() + bound_;
  if (wake_.wait_until(lock, deadline, [&] { return done_; })) return;
  // The bound passed: say what held the stop up, then end without waiting for it.
  const std::string waiting = waiting_for_ ? waiting_for_() : "";
  spdlog::error("duplex: the stop took longer than {} s{}{}; exiting with code 1",
                bound_.count() / 1000, waiting.empty() ? "" : "; still waiting for: ", waiting);
  spdlog::default_logger()->flush();
  std::_Exit(1);
}

}  // namespace duplex::app
