#include "verify/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace duplex::verify {

RateLimiter::RateLimiter(double bytes_per_second, const std::atomic<bool>* stop)
    : rate_(bytes_per_second), stop_(stop), tokens_(0), last_(Clock::now()) {}

void RateLimiter::take(size_t bytes) {
  if (rate_ <= 0) return;
  std::lock_guard lock(mutex_);
  tokens_ -= static_cast<double>(bytes);
  for (;;) {
    const auto now = Clock::now();
    const double seconds = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ = std::min(tokens_ + seconds * rate_, rate_ / 10);
    if (tokens_ >= 0 || (stop_ && stop_->load())) return;
    // Sleep until the debt is paid, in slices so that a stop is seen.
    const double wait = std::min(-tokens_ / rate_, 0.1);
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
}

}  // namespace duplex::verify
