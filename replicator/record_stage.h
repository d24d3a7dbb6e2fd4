#pragma once

#include <cstdint>
#include <string>

#include "replicator/source.h"

namespace duplex::replicator {

// Why a record is not copied. Each reason has its own duplex_records_skipped_total series.
enum class SkipReason {
  loop,          // its origin is the home region
  other_origin,  // mesh: the flow from its origin brings it (reason "filtered")
  conflict,      // last-writer-wins: the target holds a newer version; or a repair
};

// What a stage says of a record.
struct StageVerdict {
  enum class Kind {
    pass,  // the next stage (or the sink) decides
    skip,  // not copied, for `reason`
    wait,  // not decided yet: read the partition again from this record once ready() says so
    fail,  // the flow cannot go on: `failure` says why (exit 1)
  };
  Kind kind = Kind::pass;
  SkipReason reason = SkipReason::loop;
  std::string failure;

  static StageVerdict pass() { return {}; }
  static StageVerdict skip(SkipReason reason) { return {Kind::skip, reason, {}}; }
  static StageVerdict wait() { return {Kind::wait, SkipReason::loop, {}}; }
  static StageVerdict fail(std::string failure) {
    return {Kind::fail, SkipReason::loop, std::move(failure)};
  }
};

// A step of the copy pipeline between the origin filter and the sink (conflict resolution is
// one): it may decide that a record is not copied, or that its partition waits. Called on the
// copy loop's thread, in offset order per partition; it never waits on the network.
class RecordStage {
 public:
  virtual ~RecordStage() = default;
  // `target_topic`: where the record's copy goes (partition p to partition p).
  virtual StageVerdict judge(const SourceRecord& record, const std::string& target_topic) = 0;
  // After `wait`: pass once the stage can judge the partition's records again (asked every
  // turn while it waits), wait while not, fail when it never will.
  virtual StageVerdict ready(const std::string& target_topic, int32_t partition) = 0;
};

}  // namespace duplex::replicator
