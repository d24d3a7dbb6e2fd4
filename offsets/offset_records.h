#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace duplex::offsets {

// Record formats of duplex's offset topics. Values are one line of space-separated fields,
// the format version first, readable in any console consumer; docs/record-formats.md has them.
inline constexpr int kFormatVersion = 1;
// Checkpoints are at version 2 (local_rereads added); version 1 ones are still read.
inline constexpr int kCheckpointVersion = 2;
// Runs: version 2 adds after_marker; a run without it is still written as version 1.
inline constexpr int kRunVersion = 2;

// The header that names the region where a record was first written (DESIGN "Record contract").
inline constexpr std::string_view kOriginHeader = "duplex.origin";
// The header of a repair of last-writer-wins (conflict::ContentDigest::kRepairHeader): a winner
// written again in its own region, which no flow copies.
inline constexpr std::string_view kRepairHeader = "duplex.repair";

inline std::string offset_syncs_topic(const std::string& source) {
  return "duplex.offset-syncs." + source;
}
// The consumer group of the flow from `source` into `home`, on the source cluster.
inline std::string flow_group_id(const std::string& home, const std::string& source) {
  return "duplex." + home + ".from." + source;
}
inline std::string checkpoints_topic(const std::string& source) {
  return "duplex.checkpoints." + source;
}
inline std::string progress_topic(const std::string& source) {
  return "duplex.progress." + source;
}

// One run of consecutive copies: source offsets [source, source + count) of
// source_topic/partition are at target offsets [target, target + count) of target_topic, the
// same partition. A run grows while copying goes on; the newest version of a run (same key)
// replaces the older ones. Written only for records the target acknowledged.
struct OffsetRun {
  std::string source_topic;
  std::string target_topic;
  int32_t partition = 0;
  int64_t source = 0;
  int64_t target = 0;
  int64_t count = 0;
  int64_t last_timestamp = 0;  // source timestamp (ms) of the run's last record
  // The target offset just before `target` holds the commit marker of the transaction that
  // wrote the run before this one (exactly-once), not a record: translation steps over it.
  bool after_marker = false;

  int64_t source_end() const { return source + count; }
  int64_t target_end() const { return target + count; }
  bool operator==(const OffsetRun&) const = default;
};

std::string run_key(const OffsetRun& run);  // "<source_topic>/<partition>/<source>"
std::string encode(const OffsetRun& run);
std::optional<OffsetRun> decode_run(std::string_view value);

// A group's committed offset on the source and where it continues on the target. See
// translation.h for how `target` is chosen.
struct Checkpoint {
  std::string group;
  std::string source_topic;
  std::string target_topic;
  int32_t partition = 0;
  int64_t upstream = 0;       // the group's committed offset on the source
  int64_t target = 0;         // where the group continues on the target
  int64_t copied_target = 0;  // target offset of the first copy of a record at/after upstream
  int64_t local_target = 0;   // target offset of the first target-origin record not consumed
  // Wall clock when the source was read: when its end was asked for, after the group's
  // offset and the copies (so the records at risk are never understated).
  int64_t time_ms = 0;
  int64_t source_end = 0;  // the source partition's high watermark then
  int64_t copied_end = 0;  // source offset after the newest copy then
  // No record from copied_end on was written before this (ms): the newest copy's source
  // timestamp, or when an earlier round read an end the copies have reached since, whichever is
  // later; 0 when neither is known.
  int64_t at_risk_since = 0;
  // Target-origin records in [target, local_target) the group consumed on the source
  // (Translation::local_rereads); unknown in a version 1 record.
  std::optional<int64_t> local_rereads;

  bool operator==(const Checkpoint&) const = default;
};

std::string checkpoint_key(const Checkpoint& checkpoint);  // "<group>/<topic>/<partition>"
std::string encode(const Checkpoint& checkpoint);
std::optional<Checkpoint> decode_checkpoint(std::string_view value);

// Exactly-once: the next source offset to copy of one source partition, written in the same
// transaction as the copies before it. The newest committed one is where a worker resumes.
struct Progress {
  std::string source_topic;
  int32_t partition = 0;
  int64_t next_offset = 0;
  int64_t time_ms = 0;  // wall clock when the transaction was committed (about)

  bool operator==(const Progress&) const = default;
};

std::string progress_key(const std::string& source_topic, int32_t partition);  // "<topic>/<p>"
std::string encode(const Progress& progress);
std::optional<Progress> decode_progress(std::string_view value);

}  // namespace duplex::offsets
