#pragma once
// What a conflict stage needs around it, for tests: a home reader whose readiness a test sets,
// and an audit that keeps what it is given (and conflict/tests/temp_key_index.h).

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "conflict/index_readiness.h"
#include "replicator/conflict_audit.h"

namespace duplex::replicator::testing {

// A home reader's readiness as a test says: every partition, or those listed.
class FakeReadiness : public conflict::IndexReadiness {
 public:
  bool all_ready = true;
  std::set<std::pair<std::string, int32_t>> ready_partitions;
  std::optional<std::string> failed;

  bool ready(std::string_view topic, int32_t partition) override {
    return all_ready || ready_partitions.count({std::string(topic), partition}) > 0;
  }
  std::optional<std::string> failure() const override { return failed; }
};

class FakeAudit : public ConflictAudit {
 public:
  std::vector<std::pair<std::string, conflict::AuditRecord>> written;

  void write(std::string_view key, const conflict::AuditRecord& record) override {
    written.emplace_back(std::string(key), record);
  }
};

}  // namespace duplex::replicator::testing
