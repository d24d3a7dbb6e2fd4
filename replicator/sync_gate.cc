#include "replicator/sync_gate.h"

namespace duplex::replicator {

void SyncGate::mark(int64_t next, size_t runs_written) {
  steps_.push_back({next, runs_written});
  pop_done();
}

void SyncGate::acknowledged() {
  for (auto& step : steps_) {
    if (step.remaining > 0) {
      step.remaining--;
      break;
    }
  }
  pop_done();
}

void SyncGate::pop_done() {
  while (!steps_.empty() && steps_.front().remaining == 0) {
    committable_ = steps_.front().next;
    steps_.pop_front();
  }
}

}  // namespace duplex::replicator
