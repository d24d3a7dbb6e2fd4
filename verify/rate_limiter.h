#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace duplex::verify {

// Holds reading to a byte rate (verify --rate), shared by the source and target reads: a
// token bucket, empty at the start, holding at most a tenth of a second of reading.
class RateLimiter {
 public:
  // bytes_per_second 0: no limit.
  explicit RateLimiter(double bytes_per_second, const std::atomic<bool>* stop = nullptr);

  // Counts `bytes` read and sleeps while the reading is ahead of the rate (not past a stop).
  // Thread-safe: the source and the target are read at once; one waits while the other sleeps.
  void take(size_t bytes);

  double bytes_per_second() const { return rate_; }

 private:
  using Clock = std::chrono::steady_clock;
  double rate_;
  const std::atomic<bool>* stop_;
  std::mutex mutex_;
  double tokens_;  // guarded by mutex_, as last_
  Clock::time_point last_;
};

}  // namespace duplex::verify
