#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace duplex::verify {

// Holds reading to a byte rate (verify --rate), shared by the source and target reads: a
// token bucket, empty at the start, holding at most a tenth of a second of reading.
class RateLimiter {
 public:
  // bytes_per_second 0: no limit.
  explicit RateLimiter(double bytes_per_second, const std::atomic<bool>* stop = nullptr);

  // Counts `bytes` read and sleeps while the reading is ahead of the rate (not past a stop).
  void take(size_t bytes);

  double bytes_per_second() const { return rate_; }

 private:
  using Clock = std::chrono::steady_clock;
  double rate_;
  const std::atomic<bool>* stop_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace duplex::verify
