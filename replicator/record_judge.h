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
// carries. The origin filter decides first (loops and third-region records are skipped); then
// each stage, in the order added, may skip it too.
class RecordJudge {
 public:
  explicit RecordJudge(OriginFilter origin) : origin_(std::move(origin)) {}

  void add_stage(RecordStage& stage) { stages_.push_back(&stage); }

  struct Verdict {
    std::optional<SkipReason> skip;
    kafka::HeadersPtr headers;  // the copy's: the source's plus its origin; null when skipped
  };
  // Sets `record.origin` from its header.
  Verdict judge(SourceRecord& record);

  const std::string& source() const { return origin_.source(); }

 private:
  OriginFilter origin_;
  std::vector<RecordStage*> stages_;
};

}  // namespace duplex::replicator
