#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conflict/entry_cache.h"
#include "conflict/index_entry.h"
#include "conflict/index_error.h"

namespace rocksdb {
class Cache;
class DB;
}  // namespace rocksdb

namespace duplex::conflict {

// The newest version of every key of the managed topics in the home topic, and per partition
// the next offset of the home topic to read (its position). RocksDB in `index.dir` is the store
// of record, so the index outlives restarts and kill -9; an EntryCache keeps the recently used
// entries in memory. `index.memory` bounds both: half for the entry cache, half for RocksDB's
// block cache, which its memtables are charged to as well.
//
// Invariant: an entry and the position past the record it came from are written in one
// RocksDB write batch, so after a crash the position never runs ahead of the entries.
// A missing directory is an empty index without positions. Thread-safe.
class KeyIndex {
 public:
  struct Update {
    std::string key;
    IndexEntry entry;
  };

  struct Stats {
    size_t cache_bytes = 0;  // the entry cache's estimate of its heap
    size_t cached_entries = 0;
    size_t store_bytes = 0;    // RocksDB's block cache and memtables
    uint64_t stored_keys = 0;  // RocksDB's estimate (entries and positions)
  };

  // Opens (or creates, with its parents) the index in `dir`. An error names the directory.
  static IndexResult<std::unique_ptr<KeyIndex>> open(const std::string& dir, size_t memory_bytes);

  ~KeyIndex();
  KeyIndex(const KeyIndex&) = delete;
  KeyIndex& operator=(const KeyIndex&) = delete;

  // The newest record of `key` in `topic`, or nullopt when the index has none.
  IndexResult<std::optional<IndexEntry>> get(std::string_view topic, std::string_view key);

  // The next offset of (topic, partition) to read, or nullopt when none was stored.
  IndexResult<std::optional<int64_t>> position(std::string_view topic, int32_t partition);

  // In one atomic write: each update becomes the entry of its key (a later update of the same
  // key wins) and the partition's position becomes `next_offset`.
  IndexError advance(std::string_view topic, int32_t partition, int64_t next_offset,
                     const std::vector<Update>& updates);

  // Forgets every entry and position of `topic` (deleted, or recreated).
  IndexError wipe_topic(std::string_view topic);

  Stats stats();
  const std::string& dir() const { return dir_; }
  // Counts the writes (advance, wipe_topic): an entry read as missing or older stays so until
  // this changes, so a reader waiting for one need not ask again before.
  uint64_t writes() const { return writes_.load(std::memory_order_acquire); }

 private:
  KeyIndex(std::string dir, std::unique_ptr<rocksdb::DB> db, std::shared_ptr<rocksdb::Cache> cache,
           size_t cache_bytes);
  IndexError failure(const std::string& what, const std::string& status) const;

  const std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::shared_ptr<rocksdb::Cache> block_cache_;
  std::mutex mutex_;
  EntryCache cache_;  // guarded by mutex_; never older than db_ for a key it holds
  // Changed under mutex_; a read from db_ is cached only if none came between.
  std::atomic<uint64_t> writes_{0};
};

}  // namespace duplex::conflict
