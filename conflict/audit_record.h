#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "conflict/version.h"

namespace duplex::conflict {

// On the home cluster: created by each flow's topic watcher when audit is on.
inline constexpr const char* kAuditTopic = "duplex.conflicts";

// A copy that last-writer-wins skipped, as written to `duplex.conflicts` on the home cluster
// with `conflict.audit: true` (docs/record-formats.md). The record's key is the skipped copy's
// key; the value is one line: the format version first, then these fields.
struct AuditRecord {
  std::string topic;  // the home (target) topic
  int32_t partition = 0;
  int64_t source_offset = 0;  // of the skipped record, in the flow's source
  std::string origin;         // where the skipped record was first written
  Version version;            // its version
  std::string winner_origin;  // the newer version the home topic holds (or was just sent)
  Version winner;

  bool operator==(const AuditRecord&) const = default;
};

std::string encode(const AuditRecord& record);
std::optional<AuditRecord> decode_audit(std::string_view value);

}  // namespace duplex::conflict
