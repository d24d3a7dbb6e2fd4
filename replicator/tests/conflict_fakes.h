#pragma once
// What a conflict stage needs around it, for tests: a key index in a temporary directory, a
// home reader whose readiness a test sets, and an audit that keeps what it is given.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "conflict/key_index.h"
#include "replicator/conflict_audit.h"

namespace duplex::replicator::testing {

// A key index in a fresh temporary directory, removed with it.
class TempKeyIndex {
 public:
  TempKeyIndex() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "duplex-stage-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = pattern;
    auto opened = conflict::KeyIndex::open(dir_ + "/index", 8 << 20);
    if (auto* error = std::get_if<conflict::IndexError>(&opened)) {
      throw std::runtime_error(error->message());
    }
    index_ = std::move(std::get<std::unique_ptr<conflict::KeyIndex>>(opened));
  }
  ~TempKeyIndex() {
    index_.reset();
    std::filesystem::remove_all(dir_);
  }
  conflict::KeyIndex& operator*() { return *index_; }
  conflict::KeyIndex* operator->() { return index_.get(); }
  const std::string& dir() const { return dir_; }

  // Sets the entry of `key` as the home reader would after observing it.
  void put(const std::string& topic, const std::string& key, const conflict::IndexEntry& entry,
           int32_t partition = 0) {
    auto error = index_->advance(topic, partition, entry.offset + 1, {{key, entry}});
    ASSERT_FALSE(error) << error.message();
  }

 private:
  std::string dir_;
  std::unique_ptr<conflict::KeyIndex> index_;
};

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
