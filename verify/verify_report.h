#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "verify/verify_state.h"

namespace duplex::verify {

// What `duplex verify` prints: per partition, then the totals and a verdict.
struct VerifyReport {
  std::string source;  // the flow's regions
  std::string home;
  std::vector<PartitionState> partitions;  // with their target topics below
  std::vector<std::string> target_topics;  // same order
  int64_t records_read = 0;
  uint64_t bytes_read = 0;
  double seconds = 0;       // the whole command
  double read_seconds = 0;  // from the first read to the last: what --rate paces
  bool complete = true;     // false: interrupted or failed; the totals cover what was verified

  Tally totals() const;
  bool ok() const { return complete && totals().clean(); }

  void table(std::ostream& out) const;
  void json(std::ostream& out) const;
};

}  // namespace duplex::verify
