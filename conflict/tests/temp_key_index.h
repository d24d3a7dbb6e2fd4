#pragma once
// A key index in a fresh temporary directory, removed with it: for tests of what reads and
// writes an index.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "conflict/key_index.h"

namespace duplex::conflict::testing {

class TempKeyIndex {
 public:
  TempKeyIndex() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "duplex-index-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = pattern;
    reopen();
  }
  ~TempKeyIndex() {
    index_.reset();
    std::filesystem::remove_all(dir_);
  }
  KeyIndex& operator*() { return *index_; }
  KeyIndex* operator->() { return index_.get(); }

  // Closes and opens it again (a restart); `lose` deletes its directory first.
  void reopen(bool lose = false) {
    index_.reset();
    if (lose) std::filesystem::remove_all(dir_ + "/index");
    auto opened = KeyIndex::open(dir_ + "/index", 8 << 20);
    if (auto* error = std::get_if<IndexError>(&opened)) {
      throw std::runtime_error(error->message());
    }
    index_ = std::move(std::get<std::unique_ptr<KeyIndex>>(opened));
  }

  // Sets the entry of `key` as the home reader would after observing it.
  void put(const std::string& topic, const std::string& key, const IndexEntry& entry,
           int32_t partition = 0) {
    auto error = index_->advance(topic, partition, entry.offset + 1, {{key, entry}});
    ASSERT_FALSE(error) << error.message();
  }
  std::optional<IndexEntry> get(const std::string& topic, const std::string& key) {
    return std::get<std::optional<IndexEntry>>(index_->get(topic, key));
  }
  std::optional<int64_t> position(const std::string& topic, int32_t partition) {
    return std::get<std::optional<int64_t>>(index_->position(topic, partition));
  }

 private:
  std::string dir_;
  std::unique_ptr<KeyIndex> index_;
};

}  // namespace duplex::conflict::testing
