#include "offsets/offset_records.h"

#include <algorithm>
#include <limits>
#include <sstream>

namespace duplex::offsets {
namespace {

// Reads the version and checks it is `newest` or at least `oldest`; the stream is left after
// it. Returns the version, 0 when it is none of those.
int read_version(std::istringstream& in, int newest = kFormatVersion, int oldest = kFormatVersion) {
  int version = 0;
  if (!(in >> version) || version < oldest || version > newest) return 0;
  return version;
}

// The rest of the line after one separating space: a group id may contain spaces.
std::optional<std::string> read_rest(std::istringstream& in) {
  if (in.get() != ' ') return std::nullopt;
  std::string rest;
  std::getline(in, rest, '\0');
  if (rest.empty()) return std::nullopt;
  return rest;
}

}  // namespace

std::string run_key(const OffsetRun& run) {
  return run.source_topic + "/" + std::to_string(run.partition) + "/" + std::to_string(run.source);
}

std::string encode(const OffsetRun& run) {
  std::ostringstream out;
  out << (run.after_marker ? kRunVersion : 1) << ' ' << run.source_topic << ' ' << run.target_topic
      << ' ' << run.partition << ' ' << run.source << ' ' << run.target << ' ' << run.count << ' '
      << run.last_timestamp;
  if (run.after_marker) out << " 1";
  return out.str();
}

std::optional<OffsetRun> decode_run(std::string_view value) {
  std::istringstream in{std::string(value)};
  OffsetRun run;
  const int version = read_version(in, kRunVersion, 1);
  if (version == 0) return std::nullopt;
  if (!(in >> run.source_topic >> run.target_topic >> run.partition >> run.source >> run.target >>
        run.count >> run.last_timestamp)) {
    return std::nullopt;
  }
  if (version >= 2) {
    int after_marker = 0;
    if (!(in >> after_marker) || (after_marker != 0 && after_marker != 1)) return std::nullopt;
    run.after_marker = after_marker == 1;
  }
  std::string extra;
  if (in >> extra) return std::nullopt;
  if (run.partition < 0 || run.source < 0 || run.target < 0 || run.count <= 0) return std::nullopt;
  // Translation computes the run's ends: both must be offsets (found by fuzz/).
  if (run.count > std::numeric_limits<int64_t>::max() - std::max(run.source, run.target)) {
    return std::nullopt;
  }
  return run;
}

std::string checkpoint_key(const Checkpoint& c) {
  return c.group + "/" + c.source_topic + "/" + std::to_string(c.partition);
}

std::string encode(const Checkpoint& c) {
  std::ostringstream out;
  out << kCheckpointVersion << ' ' << c.time_ms << ' ' << c.source_topic << ' ' << c.target_topic
      << ' ' << c.partition << ' ' << c.upstream << ' ' << c.target << ' ' << c.copied_target << ' '
      << c.local_target << ' ' << c.source_end << ' ' << c.copied_end << ' ' << c.at_risk_since
      << ' ' << (c.local_rereads ? *c.local_rereads : -1) << ' ' << c.group;
  return out.str();
}

std::optional<Checkpoint> decode_checkpoint(std::string_view value) {
  std::istringstream in{std::string(value)};
  Checkpoint c;
  const int version = read_version(in, kCheckpointVersion, 1);
  if (version == 0) return std::nullopt;
  if (!(in >> c.time_ms >> c.source_topic >> c.target_topic >> c.partition >> c.upstream >>
        c.target >> c.copied_target >> c.local_target >> c.source_end >> c.copied_end >>
        c.at_risk_since)) {
    return std::nullopt;
  }
  if (version >= 2) {
    int64_t local_rereads = 0;
    if (!(in >> local_rereads) || local_rereads < -1) return std::nullopt;
    if (local_rereads >= 0) c.local_rereads = local_rereads;
  }
  auto group = read_rest(in);
  if (!group) return std::nullopt;
  c.group = *group;
  // `duplex failover` subtracts time_ms from now and copied_end from source_end (-1: unknown):
  // out of these ranges, they overflow (found by fuzz/).
  if (c.time_ms < 0 || c.source_end < -1 || c.copied_end < 0) return std::nullopt;
  if (c.partition < 0 || c.upstream < 0 || c.target < 0 || c.target > c.copied_target ||
      c.target > c.local_target ||
      (c.local_rereads && *c.local_rereads > c.local_target - c.target)) {
    return std::nullopt;
  }
  return c;
}

std::string progress_key(const std::string& source_topic, int32_t partition) {
  return source_topic + "/" + std::to_string(partition);
}

std::string encode(const Progress& p) {
  std::ostringstream out;
  out << kFormatVersion << ' ' << p.source_topic << ' ' << p.partition << ' ' << p.next_offset
      << ' ' << p.time_ms;
  return out.str();
}

std::optional<Progress> decode_progress(std::string_view value) {
  std::istringstream in{std::string(value)};
  Progress p;
  if (!read_version(in)) return std::nullopt;
  if (!(in >> p.source_topic >> p.partition >> p.next_offset >> p.time_ms)) return std::nullopt;
  std::string extra;
  if (in >> extra) return std::nullopt;
  if (p.partition < 0 || p.next_offset < 0) return std::nullopt;
  return p;
}

}  // namespace duplex::offsets
