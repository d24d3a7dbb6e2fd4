#pragma once

#include <string_view>

#include "conflict/audit_record.h"

namespace duplex::replicator {

// Where a flow's conflict stage writes the copies it skipped, with `conflict.audit: true`:
// `duplex.conflicts` on the home cluster (KafkaConflictAudit), or a fake in tests.
class ConflictAudit {
 public:
  virtual ~ConflictAudit() = default;
  // Queues one record keyed by the skipped copy's key; never waits on the network. A failure
  // is counted and logged, never fatal: the decision it records is taken already.
  virtual void write(std::string_view key, const conflict::AuditRecord& record) = 0;
};

}  // namespace duplex::replicator
