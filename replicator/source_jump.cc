#include "replicator/source_jump.h"

#include <algorithm>

namespace duplex::replicator {

SourceJump SourceJump::judge(std::optional<int64_t> expected, int64_t offset,
                             std::optional<int64_t> log_start) {
  if (!expected || offset == *expected) return {};
  if (offset < *expected) return {Kind::went_back, *expected, offset};
  if (!log_start || *log_start <= *expected) return {};  // a hole the log keeps: not a loss
  return {Kind::gap, *expected, std::min(*log_start, offset)};
}

}  // namespace duplex::replicator
