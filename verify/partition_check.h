#pragma once

#include <vector>

#include "verify/chunk_check.h"

namespace duplex::verify {

// Checks a partition chunk after chunk, in source order, carrying from one chunk to the next
// what check_chunk leaves undecided (see step 6 there).
class PartitionCheck {
 public:
  PartitionCheck(FlowRules rules, const offsets::OffsetIndex& runs,
                 std::vector<Undecided> undecided = {})
      : rules_(std::move(rules)), runs_(runs), undecided_(std::move(undecided)) {}

  // The chunk's tally, with the previous chunk's undecided copies settled in it.
  Tally add(const Chunk& chunk);
  // The last chunk's undecided copies, as extra.
  Tally finish();
  // Not settled yet: kept across an interruption (the resume file).
  const std::vector<Undecided>& undecided() const { return undecided_; }

 private:
  FlowRules rules_;
  const offsets::OffsetIndex& runs_;
  DigestSet previous_;  // the previous chunk's compared digests
  std::vector<Undecided> undecided_;
};

}  // namespace duplex::verify
