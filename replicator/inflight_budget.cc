#include "replicator/inflight_budget.h"

namespace duplex::replicator {

InflightBudget::Units InflightBudget::take(size_t bytes) {
  used_.fetch_add(share(1, bytes), std::memory_order_relaxed);
  return Units(this, bytes);
}

void InflightBudget::Units::release() {
  if (!budget_) return;
  budget_->used_.fetch_sub(share(records_, bytes_), std::memory_order_relaxed);
  budget_ = nullptr;
  bytes_ = 0;
  records_ = 0;
}

void InflightBudget::Units::absorb(Units&& other) {
  if (!other.budget_) return;
  if (budget_ && budget_ != other.budget_) {
    other.release();  // another budget's: given back on its own
    return;
  }
  budget_ = std::exchange(other.budget_, nullptr);
  bytes_ += std::exchange(other.bytes_, 0);
  records_ += std::exchange(other.records_, 0);
}

}  // namespace duplex::replicator
