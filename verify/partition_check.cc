#include "verify/partition_check.h"

namespace duplex::verify {

Tally PartitionCheck::add(const Chunk& chunk) {
  auto result = check_chunk(chunk, rules_, runs_, &previous_);
  for (const auto& u : undecided_) {
    if (result.compared.contains(u.digest)) {
      ++result.tally.duplicates;
    } else {
      result.tally.diverge(u.extra);
      result.tally.target_digest = chain(result.tally.target_digest, u.digest);
    }
  }
  undecided_ = std::move(result.undecided);
  previous_ = std::move(result.compared);
  return result.tally;
}

Tally PartitionCheck::finish() {
  Tally tally;
  for (const auto& u : undecided_) {
    tally.diverge(u.extra);
    tally.target_digest = chain(tally.target_digest, u.digest);
  }
  undecided_.clear();
  return tally;
}

}  // namespace duplex::verify
