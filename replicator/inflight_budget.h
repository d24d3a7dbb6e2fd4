#pragma once

#include <atomic>
#include <cstddef>
#include <utility>

namespace duplex::replicator {

// The memory a flow may hold in records it has taken from the source and not yet seen
// acknowledged by the target (or dropped). Each record takes Units that travel with it — into
// the producer's in-flight entry or a transaction's queue — and give the budget back when they
// are destroyed: acknowledged, aborted, revoked, whichever comes first. So no count is kept by
// hand, and none can drift.
//
// Taking never blocks: the copy loop stops taking records while the budget is over() and
// starts again once it is back under half (hysteresis), so the bounds are soft by at most one
// record. Thread-safe: units are released on the threads that see acknowledgements.
class InflightBudget {
 public:
  class Units {
   public:
    Units() = default;
    Units(const Units&) = delete;
    Units& operator=(const Units&) = delete;
    Units(Units&& other) noexcept
        : budget_(std::exchange(other.budget_, nullptr)), bytes_(other.bytes_) {}
    Units& operator=(Units&& other) noexcept {
      if (this != &other) {
        release();
        budget_ = std::exchange(other.budget_, nullptr);
        bytes_ = other.bytes_;
      }
      return *this;
    }
    ~Units() { release(); }

    size_t bytes() const { return bytes_; }
    // Gives the units back now (acknowledged); later calls do nothing.
    void release();

   private:
    friend class InflightBudget;
    Units(InflightBudget* budget, size_t bytes) : budget_(budget), bytes_(bytes) {}
    InflightBudget* budget_ = nullptr;
    size_t bytes_ = 0;
  };

  InflightBudget(size_t max_bytes, size_t max_records)
      : max_bytes_(max_bytes), max_records_(max_records) {}
  InflightBudget(const InflightBudget&) = delete;
  InflightBudget& operator=(const InflightBudget&) = delete;

  // Units for one record of `bytes` (key and value).
  Units take(size_t bytes);

  // Beyond either bound: take no more records.
  bool over() const { return bytes() > max_bytes_ || records() > max_records_; }
  // Both at or below half: records may be taken again.
  bool under_half() const { return bytes() <= max_bytes_ / 2 && records() <= max_records_ / 2; }

  size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  size_t records() const { return records_.load(std::memory_order_relaxed); }

 private:
  const size_t max_bytes_;
  const size_t max_records_;
  std::atomic<size_t> bytes_{0};
  std::atomic<size_t> records_{0};
};

}  // namespace duplex::replicator
