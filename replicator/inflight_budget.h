#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
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
        : budget_(std::exchange(other.budget_, nullptr)),
          bytes_(other.bytes_),
          records_(other.records_) {}
    Units& operator=(Units&& other) noexcept {
      if (this != &other) {
        release();
        budget_ = std::exchange(other.budget_, nullptr);
        bytes_ = other.bytes_;
        records_ = other.records_;
      }
      return *this;
    }
    ~Units() { release(); }

    size_t bytes() const { return bytes_; }
    // Gives the units back now (acknowledged); later calls do nothing.
    void release();
    // Takes over `other`'s share (of the same budget), to give both back in one release: a
    // thread that sees many acknowledgements touches the shared budget once per batch.
    void absorb(Units&& other);

   private:
    friend class InflightBudget;
    Units(InflightBudget* budget, size_t bytes) : budget_(budget), bytes_(bytes), records_(1) {}
    InflightBudget* budget_ = nullptr;
    size_t bytes_ = 0;
    size_t records_ = 0;
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

  size_t bytes() const { return used_.load(std::memory_order_relaxed) & kBytesMask; }
  size_t records() const { return used_.load(std::memory_order_relaxed) >> kBytesBits; }

 private:
  // Records and bytes in one word: one atomic operation per take and per release (they are
  // per record, on the copy path). Up to 1 TiB and 16 M records.
  static constexpr int kBytesBits = 40;
  static constexpr uint64_t kBytesMask = (uint64_t{1} << kBytesBits) - 1;
  static uint64_t share(size_t records, size_t bytes) {
    return (uint64_t{records} << kBytesBits) + bytes;
  }

  const size_t max_bytes_;
  const size_t max_records_;
  std::atomic<uint64_t> used_{0};
};

}  // namespace duplex::replicator
