#include "replicator/inflight_budget.h"

namespace duplex::replicator {

InflightBudget::Units InflightBudget::take(size_t bytes) {
  bytes_.fetch_add(bytes, std::memory_order_relaxed);
  records_.fetch_add(1, std::memory_order_relaxed);
  return Units(this, bytes);
}

void InflightBudget::Units::release() {
  if (!budget_) return;
  budget_->bytes_.fetch_sub(bytes_, std::memory_order_relaxed);
  budget_->records_.fetch_sub(1, std::memory_order_relaxed);
  budget_ = nullptr;
}

}  // namespace duplex::replicator
