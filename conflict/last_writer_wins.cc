#include "conflict/last_writer_wins.h"

namespace duplex::conflict {

CopyDecision decide_copy(const std::optional<IndexEntry>& newest, Version incoming) {
  if (!newest || incoming >= newest->version) return CopyDecision::write;
  return CopyDecision::skip;
}

Observation observe(const std::optional<IndexEntry>& newest, const Observed& seen) {
  if (!newest || seen.version > newest->version) return Observation::newest;
  if (seen.version < newest->version) return Observation::repair;
  // Equal: a later write of the same region wins; a repair only if it copies the newest.
  if (!seen.repair || seen.digest == newest->digest) return Observation::newest;
  return Observation::repair;
}

}  // namespace duplex::conflict
