#pragma once
// Offset syncs written by hand on a real cluster, for tests that build a target partition
// themselves instead of running a flow.
#include <string>
#include <vector>

#include "offsets/offset_records.h"
#include "tests/support/record_io.h"
#include "tests/support/two_regions.h"

namespace duplex::testing {

// Writes `runs` to the offset-syncs topic of the flow from `source` on `bootstrap` (created,
// compacted as a flow creates it, if missing).
inline void write_runs(const std::string& bootstrap, const std::string& source,
                       const std::vector<offsets::OffsetRun>& runs) {
  const std::string syncs = offsets::offset_syncs_topic(source);
  Cluster cluster(bootstrap);
  if (!cluster.topics().count(syncs)) {
    cluster.create_topic(syncs, 1, {{"cleanup.policy", "compact"}});
  }
  std::vector<Record> records;
  for (const auto& run : runs) {
    Record r;
    r.topic = syncs;
    r.key = offsets::run_key(run);
    r.value = offsets::encode(run);
    records.push_back(r);
  }
  produce_records(bootstrap, syncs, records);
}

}  // namespace duplex::testing
