#pragma once

#include <optional>

#include "replicator/source.h"

namespace duplex::replicator {

// Why a record is not copied. Each reason has its own duplex_records_skipped_total series.
enum class SkipReason {
  loop,          // its origin is the home region
  other_origin,  // mesh: the flow from its origin brings it (reason "filtered")
};

// A step of the copy pipeline between the origin filter and the sink (conflict resolution is
// one): it may decide that a record is not copied. Called on the copy loop's thread, in offset
// order per partition.
class RecordStage {
 public:
  virtual ~RecordStage() = default;
  virtual std::optional<SkipReason> judge(const SourceRecord& record) = 0;
};

}  // namespace duplex::replicator
