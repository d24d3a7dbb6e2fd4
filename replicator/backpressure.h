#pragma once

#include <chrono>

#include "replicator/inflight_budget.h"

namespace duplex::replicator {

// When the copy loop stops taking records, and when it also pauses the fetch. Over the budget
// it first only holds: fetched records wait in the source's bounded queue while
// acknowledgements come back. Pausing the fetch is kept for a target that stays behind
// (hold_before_pause), because a pause drops the records prefetched for a partition (they are
// fetched again on resume), and because a reader that is not polled cannot serve a rebalance.
// Back under half the budget, both end.
class Backpressure {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Change { none, pause_fetch, resume_fetch };

  Backpressure(const InflightBudget& budget, std::chrono::milliseconds hold_before_pause)
      : budget_(budget), hold_before_pause_(hold_before_pause) {}

  // After each turn: what the fetch must do now.
  Change update(Clock::time_point now) {
    if (!holding_ && budget_.over()) {
      holding_ = true;
      since_ = now;
    } else if (holding_ && budget_.under_half()) {
      holding_ = false;
      if (paused_) {
        paused_ = false;
        return Change::resume_fetch;
      }
    } else if (holding_ && !paused_ && now - since_ >= hold_before_pause_) {
      paused_ = true;
      return Change::pause_fetch;
    }
    return Change::none;
  }

  // The pause did not take: keep holding, and try pausing again after another hold.
  void pause_failed(Clock::time_point now) {
    paused_ = false;
    since_ = now;
  }

  bool holding() const { return holding_; }      // take no records
  bool fetch_paused() const { return paused_; }  // and the fetch is paused too

 private:
  const InflightBudget& budget_;
  const std::chrono::milliseconds hold_before_pause_;
  bool holding_ = false;
  bool paused_ = false;
  Clock::time_point since_;
};

}  // namespace duplex::replicator
