#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace duplex::link_proxy {

// The bandwidth of one direction of the link, shared by every connection that crosses it, as
// a real link's is: each chunk takes the link for bytes / rate, after the chunk before it.
// A rate of 0 is no cap.
class LinkPacer {
 public:
  using Clock = std::chrono::steady_clock;

  void set_rate(uint64_t bytes_per_second) { rate_ = bytes_per_second; }
  uint64_t rate() const { return rate_; }
  // When a chunk of `bytes` that is due at `due` may be sent; reserves the link until then plus
  // its transmission time.
  Clock::time_point reserve(size_t bytes, Clock::time_point due);

 private:
  std::atomic<uint64_t> rate_{0};
  std::mutex mu_;
  Clock::time_point free_at_{};  // the end of the last reserved transmission
};

}  // namespace duplex::link_proxy
