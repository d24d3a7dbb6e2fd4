#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "config/config.h"

namespace duplex::status {

// What `duplex status` shows of one flow. Negative numbers mean "not known".
struct FlowStatus {
  std::string flow;  // "east->west"
  bool sidecar_answering = false;
  int partitions = -1;
  int64_t lag = -1;
  double records_per_second = -1;
  double latency_p99_seconds = -1;
  double source_silence_seconds = -1;
  double errors = -1;
  // Records that expired on the source before they were copied: counted by the sidecar
  // (duplex_records_lost_total), or, when it is down, those below the source's log start that
  // the group's commits have not passed yet (what a restart finds as a source gap).
  double records_lost = -1;
  double checkpoint_age_seconds = -1;  // of the newest checkpoint of the source's groups
  std::string note;                    // where the figures come from, or why they are missing
};

// Reads each flow's status: from the sidecar's /metrics when it answers (two scrapes `window`
// apart give the rate), otherwise from the clusters: the flow's committed offsets on the
// source group against the source's high watermarks, and the newest checkpoint on the home
// cluster.
std::vector<FlowStatus> read_status(const config::Config& config,
                                    std::chrono::milliseconds window = std::chrono::seconds(1));

}  // namespace duplex::status
