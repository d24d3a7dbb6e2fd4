#pragma once
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "kafka/handles.h"

namespace duplex::kafka {

// Keeps a busy consumer's fetcher from idling after its queue was full.
//
// librdkafka 2.0.2 takes a partition off its fetch list once the consumer queue holds
// queued.min.messages (or queued.max.messages.kbytes), and looks again only when the broker's
// thread next wakes up: up to a second later, long after a fast reader drained the queue.
// Copying a backlog then alternates between a full queue and an idle second (librdkafka 2.1
// added fetch.queue.backoff.ms for this). A ListOffsets request is work for each leader's
// thread, which wakes it: sent every `period` while records flow and the queue has room, it
// keeps the fetch going. Requests are sent from this object's own thread: they wait one round
// trip to the source, which the copy loop must not.
class FetchNudger {
 public:
  // `flowing` counts records the caller has taken from `consumer` (it only grows); at least
  // `busy_records` of them in a period mean the reader is pressing on the fetcher.
  FetchNudger(rd_kafka_t* consumer, const std::atomic<uint64_t>& flowing,
              std::chrono::milliseconds period = std::chrono::milliseconds(50),
              uint64_t busy_records = 1000);
  ~FetchNudger();
  FetchNudger(const FetchNudger&) = delete;
  FetchNudger& operator=(const FetchNudger&) = delete;

  uint64_t nudges() const { return nudges_.load(std::memory_order_relaxed); }

 private:
  void run();
  bool needs_nudge(uint64_t& last_flowing);

  rd_kafka_t* consumer_;
  QueuePtr queue_;
  const std::atomic<uint64_t>& flowing_;
  const std::chrono::milliseconds period_;
  const uint64_t busy_records_;
  size_t low_water_;  // queue length below which the fetcher may be idle
  std::atomic<uint64_t> nudges_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace duplex::kafka
