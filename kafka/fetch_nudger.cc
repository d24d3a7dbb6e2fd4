#include "kafka/fetch_nudger.h"

#include <cstdlib>
#include <string>

namespace duplex::kafka {
namespace {

size_t queued_min_messages(rd_kafka_t* consumer) {
  char value[32];
  size_t size = sizeof value;
  if (rd_kafka_conf_get(rd_kafka_conf(consumer), "queued.min.messages", value, &size) !=
      RD_KAFKA_CONF_OK) {
    return 100000;  // librdkafka's default
  }
  return std::strtoull(value, nullptr, 10);
}

}  // namespace

FetchNudger::FetchNudger(rd_kafka_t* consumer, const std::atomic<uint64_t>& flowing,
                         std::chrono::milliseconds period, uint64_t busy_records)
    : consumer_(consumer),
      queue_(rd_kafka_queue_get_consumer(consumer)),
      flowing_(flowing),
      period_(period),
      busy_records_(busy_records),
      low_water_(queued_min_messages(consumer) / 2),
      thread_([this] { run(); }) {}

FetchNudger::~FetchNudger() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool FetchNudger::needs_nudge(uint64_t& last_flowing) {
  const uint64_t now = flowing_.load(std::memory_order_relaxed);
  const bool busy = now - last_flowing >= busy_records_;
  last_flowing = now;
  // A queue this full has the fetcher ahead (or stopped for a good reason: it is full).
  return busy && queue_ && static_cast<size_t>(rd_kafka_queue_length(queue_.get())) < low_water_;
}

void FetchNudger::run() {
  uint64_t last_flowing = flowing_.load(std::memory_order_relaxed);
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stop_; })) {
    if (!needs_nudge(last_flowing)) continue;
    lock.unlock();
    rd_kafka_topic_partition_list_t* raw = nullptr;
    if (rd_kafka_assignment(consumer_, &raw) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      PartitionListPtr partitions(raw);
      if (partitions->cnt > 0) {
        // Latest offsets: one ListOffsets request per leader broker; the answer is not needed.
        for (int i = 0; i < partitions->cnt; ++i) partitions->elems[i].offset = -1;
        nudges_.fetch_add(1, std::memory_order_relaxed);  // counted when sent
        rd_kafka_offsets_for_times(consumer_, partitions.get(), 1000);
      }
    }
    lock.lock();
  }
}

}  // namespace duplex::kafka
