#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kafka/handles.h"
#include "replicator/origin_filter.h"
#include "replicator/record_stage.h"
#include "replicator/source.h"

namespace duplex::replicator {

// Steps 1 and 2 of the copy path: whether a record is copied, and the headers its copy
// carries. The origin filter decides first (loops, third-region records and repairs are
// skipped); then each stage, in the order added, may skip it too, or make its partition wait.
class RecordJudge {
 public:
  explicit RecordJudge(OriginFilter origin) : origin_(std::move(origin)) {}

  void add_stage(RecordStage& stage) { stages_.push_back(&stage); }

  struct Verdict {
    std::optional<SkipReason> skip;
    bool malformed_origin = false;  // counted: see OriginFilter
    bool wait = false;              // a stage cannot decide yet: see RecordStage
    std::string failure;            // non-empty: a stage says the flow cannot go on
    kafka::HeadersPtr headers;      // the copy's: the source's plus its origin; null unless copied
  };
  // Sets `record.origin` from its header (the source's, for a malformed one).
  Verdict judge(SourceRecord& record, const std::string& target_topic);
  // Whether every stage can judge the partition's records again (after a wait).
  StageVerdict ready(const std::string& target_topic, int32_t partition);

  const std::string& source() const { return origin_.source(); }

 private:
  OriginFilter origin_;
  std::vector<RecordStage*> stages_;
};

}  // namespace duplex::replicator
