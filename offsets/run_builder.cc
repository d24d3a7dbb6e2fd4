#include "offsets/run_builder.h"

namespace duplex::offsets {

void RunBuilder::add(int64_t source, int64_t target, int64_t timestamp) {
  if (open_ && source == open_->source_end() && target == open_->target_end()) {
    marker_follows_ = false;
    open_->count++;
    open_->last_timestamp = timestamp;
    open_changed_ = true;
    return;
  }
  const bool after_marker = marker_follows_ && open_ && target == open_->target_end() + 1;
  marker_follows_ = false;
  if (open_ && open_changed_) closed_.push_back(*open_);
  open_ = OffsetRun{source_topic_, target_topic_, partition_, source, target, 1,
                    timestamp,     after_marker};
  open_changed_ = true;
}

void RunBuilder::transaction_committed() {
  marker_follows_ = open_.has_value();
}

std::vector<OffsetRun> RunBuilder::take_changed() {
  std::vector<OffsetRun> changed = std::move(closed_);
  closed_.clear();
  if (open_ && open_changed_) changed.push_back(*open_);
  open_changed_ = false;
  return changed;
}

}  // namespace duplex::offsets
