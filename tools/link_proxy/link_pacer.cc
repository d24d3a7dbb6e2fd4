#include "tools/link_proxy/link_pacer.h"

#include <algorithm>

namespace duplex::link_proxy {

LinkPacer::Clock::time_point LinkPacer::reserve(size_t bytes, Clock::time_point due) {
  const uint64_t rate = rate_.load();
  if (rate == 0) return due;
  const auto transmission = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(static_cast<double>(bytes) / static_cast<double>(rate)));
  std::lock_guard lock(mu_);
  // An idle link does not bank its unused time: a burst after a pause is paced too.
  const Clock::time_point start = std::max(due, free_at_);
  free_at_ = start + transmission;
  return start;
}

}  // namespace duplex::link_proxy
