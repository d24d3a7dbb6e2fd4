#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "config/config.h"
#include "kafka/handles.h"

namespace duplex::replicator {

inline constexpr const char* kHeartbeatTopic = "duplex.heartbeats";

// Writes one small record a second to duplex.heartbeats on the home cluster: key = the home
// region, value = "1" (the format version), timestamp = when it was written. The topic is the
// one internal topic that flows replicate, so every region sees every other region's pulse,
// with or without user traffic: the first signal that a region is gone.
//
// 1. Ensure the topic exists (1 partition, delete policy, 1 h retention) — once, then on failure.
// 2. Every interval: produce, serve delivery reports; errors are logged (once per distinct
//    message), never fatal.
class Heartbeat {
 public:
  Heartbeat(const config::Config& config, std::chrono::milliseconds interval);
  ~Heartbeat();  // stops and joins the writer thread
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  uint64_t sent() const { return sent_; }  // queued

 private:
  void run();
  bool ensure_topic();
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  void warn_once(const std::string& message);

  std::string region_;
  std::chrono::milliseconds interval_;
  kafka::HandlePtr producer_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> sent_{0};
  std::string warned_;  // the last message logged; used by the writer thread only
  std::thread thread_;
};

}  // namespace duplex::replicator
