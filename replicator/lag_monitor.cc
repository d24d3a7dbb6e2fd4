#include "replicator/lag_monitor.h"

#include <algorithm>
#include <set>

#include "kafka/timestamps.h"

namespace duplex::replicator {

LagMonitor::LagMonitor(Source& source, FlowMetrics& metrics)
    : source_(source),
      metrics_(metrics),
      started_(std::chrono::steady_clock::now()),
      thread_([this] { run(); }) {}

LagMonitor::~LagMonitor() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  for (auto& [tp, gauge] : gauges_) metrics_.registry().remove_lag(*gauge);
}

void LagMonitor::publish(std::vector<LagSample> samples, bool paused) {
  {
    std::lock_guard lock(mutex_);
    samples_ = std::move(samples);
    paused_ = paused;
  }
  wake_.notify_all();
}

void LagMonitor::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || samples_; });
    if (stop_) return;
    auto samples = std::exchange(samples_, std::nullopt);
    const bool paused = paused_;
    lock.unlock();
    update(*samples, paused);
    lock.lock();
  }
}

void LagMonitor::update(const std::vector<LagSample>& samples, bool paused) {
  // Silence since the source region's newest heartbeat (since start, before the first one).
  const int64_t heartbeat = metrics_.counters().last_heartbeat_ms;
  const int64_t since = heartbeat > 0 ? heartbeat : kafka::steady_ms(started_);
  metrics_.source_silence().Set(std::max<int64_t>(0, kafka::steady_ms() - since) / 1000.0);

  std::set<TopicPartition> current;
  for (const auto& sample : samples) {
    const auto& tp = sample.partition;
    current.insert(tp);
    // Fetches keep the cached watermarks fresh; a paused partition does not fetch, so the
    // broker is asked, or the lag of a stalled flow would freeze instead of growing.
    auto high = source_.high_watermark(tp, paused);
    if (!high) continue;
    auto next = sample.next ? sample.next : source_.position(tp);
    auto& gauge = gauges_[tp];
    if (!gauge) gauge = &metrics_.registry().lag(metrics_.flow(), tp.topic, tp.partition);
    gauge->Set(static_cast<double>(std::max<int64_t>(0, *high - next.value_or(*high))));
  }
  for (auto it = gauges_.begin(); it != gauges_.end();) {
    if (current.count(it->first)) {
      ++it;
      continue;
    }
    metrics_.registry().remove_lag(*it->second);  // another member reports it now
    it = gauges_.erase(it);
  }
}

}  // namespace duplex::replicator
