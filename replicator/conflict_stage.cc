#include "replicator/conflict_stage.h"

#include <spdlog/spdlog.h>

#include "conflict/last_writer_wins.h"

namespace duplex::replicator {
namespace {

// Unobserved copies looked at per record, and per turn while a full partition waits.
constexpr size_t kForgetPerRecord = 2;
constexpr size_t kForgetPerTurn = 2000;
// Below this many, unobserved copies are not looked at per record (it costs an index read).
constexpr size_t kForgetFrom = 256;

}  // namespace

ConflictStage::ConflictStage(Parts parts, std::string source)
    : settings_(parts.settings),
      ranks_(parts.ranks),
      index_(parts.index),
      readiness_(parts.readiness),
      audit_(parts.audit),
      source_(std::move(source)) {}

ConflictStage::Topic& ConflictStage::topic(const std::string& name) {
  if (last_ && last_->name == name) return *last_;
  auto [it, fresh] = topics_.try_emplace(name);
  if (fresh) {
    it->second.name = name;
    it->second.managed = settings_.last_writer_wins(name);
  }
  last_ = &it->second;
  return *last_;
}

StageVerdict ConflictStage::judge(const SourceRecord& record, const std::string& target_topic) {
  Topic& t = topic(target_topic);
  if (!t.managed || !record.key) return StageVerdict::pass();
  Partition& p = t.partitions[record.partition];
  if (!p.ready || p.full || p.order.size() >= kMaxUnobserved) {
    if (auto said = check_ready(t, record.partition, p); said.kind != StageVerdict::Kind::pass) {
      return said;
    }
  }
  const std::string_view key(static_cast<const char*>(record.key), record.key_len);
  const std::string_view origin = record.origin.value_or(source_);
  const auto version = ranks_.version_or_lowest(record.timestamp, origin);

  auto found = index_.get(t.name, key);
  if (auto* error = std::get_if<conflict::IndexError>(&found)) {
    return StageVerdict::fail(error->message());
  }
  auto newest = std::get<std::optional<conflict::IndexEntry>>(std::move(found));
  if (auto it = p.newest.find(key);
      it != p.newest.end() && (!newest || it->second > newest->version)) {
    newest = conflict::IndexEntry{it->second, -1, false, source_, 0};
  }
  if (conflict::decide_copy(newest, version) == conflict::CopyDecision::skip) {
    if (audit_) audit(t, record, key, origin, version, *newest);
    return StageVerdict::skip(SkipReason::conflict);
  }
  p.newest.insert_or_assign(std::string(key), version);
  p.order.emplace_back(key, version);
  if (p.order.size() > kForgetFrom) {
    if (auto error = forget_observed(t, p, kForgetPerRecord)) {
      return StageVerdict::fail(error.message());
    }
  }
  return StageVerdict::pass();
}

StageVerdict ConflictStage::ready(const std::string& target_topic, int32_t partition) {
  Topic& t = topic(target_topic);
  if (!t.managed) return StageVerdict::pass();
  return check_ready(t, partition, t.partitions[partition]);
}

StageVerdict ConflictStage::check_ready(const Topic& t, int32_t partition, Partition& p) {
  if (auto failure = readiness_.failure()) {
    return StageVerdict::fail("conflict resolution stopped: " + *failure);
  }
  if (!p.ready) {
    if (!readiness_.ready(t.name, partition)) return StageVerdict::wait();
    p.ready = true;
  }
  // The reader is far behind this partition's copies: wait until it observed half.
  if (p.order.size() >= kMaxUnobserved) p.full = true;
  if (p.full) {
    if (auto error = forget_observed(t, p, kForgetPerTurn))
      return StageVerdict::fail(error.message());
    if (p.order.size() > kMaxUnobserved / 2) return StageVerdict::wait();
    p.full = false;
  }
  return StageVerdict::pass();
}

conflict::IndexError ConflictStage::forget_observed(const Topic& t, Partition& p, size_t n) {
  const uint64_t writes = index_.writes();  // before the reads: a write after them is seen
  if (p.unobserved_at == writes) return {};
  for (; n > 0 && !p.order.empty(); --n) {
    const auto& [key, version] = p.order.front();
    auto it = p.newest.find(key);
    if (it != p.newest.end() && it->second == version) {  // still the key's newest copy
      auto found = index_.get(t.name, key);
      if (auto* error = std::get_if<conflict::IndexError>(&found)) return *error;
      const auto& entry = std::get<std::optional<conflict::IndexEntry>>(found);
      if (!entry || entry->version < version) {  // not observed yet: nor are later ones
        p.unobserved_at = writes;
        break;
      }
      p.newest.erase(it);
    }
    p.order.pop_front();
  }
  return {};
}

void ConflictStage::audit(const Topic& t, const SourceRecord& record, std::string_view key,
                          std::string_view origin, conflict::Version version,
                          const conflict::IndexEntry& winner) {
  audit_->write(key, {t.name, record.partition, record.offset, std::string(origin), version,
                      winner.origin, winner.version});
}

size_t ConflictStage::unobserved() const {
  size_t n = 0;
  for (const auto& [name, t] : topics_) {
    for (const auto& [partition, p] : t.partitions) n += p.newest.size();
  }
  return n;
}

}  // namespace duplex::replicator
