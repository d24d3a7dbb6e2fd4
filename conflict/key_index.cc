#include "conflict/key_index.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "conflict/index_codec.h"

namespace duplex::conflict {
namespace {

namespace codec = index_codec;

// RocksDB within `bytes`: the block cache holds data, index and filter blocks and is charged
// for the memtables too; flushes start when memtables reach half of it.
rocksdb::Options store_options(const std::shared_ptr<rocksdb::Cache>& cache, size_t bytes) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(bytes / 2, cache);
  options.write_buffer_size = std::max<size_t>(64 << 10, bytes / 8);
  options.max_write_buffer_number = 2;
  options.max_background_jobs = 2;
  options.keep_log_file_num = 3;
  options.max_log_file_size = 1 << 20;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Index and filter blocks live in the block cache too, cut in partitions of a few KiB: a
  // whole filter of a large file would not fit in a cache shard, and be read again on every
  // lookup.
  table.cache_index_and_filter_blocks = true;
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.pin_top_level_index_and_filter = true;
  // A key the index lacks (a first copy of a key) is mostly answered without a data block.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

std::string open_failure(const std::string& dir, const rocksdb::Status& status) {
  if (status.IsCorruption()) {
    return "the key index in " + dir + " is corrupt (" + status.ToString() +
           "): delete the directory and the index is rebuilt from the home topic";
  }
  return "cannot open the key index in " + dir + ": " + status.ToString() +
         ": check that the directory is writable and that no other duplex process uses it; if " +
         "its files were damaged, delete the directory and the index is rebuilt from the home " +
         "topic";
}

// Stamps an empty store with the layout's version; refuses a store of another layout.
std::optional<std::string> check_format(rocksdb::DB& db, const std::string& dir) {
  std::string format;
  auto status = db.Get(rocksdb::ReadOptions(), codec::kFormatKey, &format);
  if (status.ok()) {
    if (format == codec::kFormat) return std::nullopt;
    return "the key index in " + dir + " has layout " + format + ", which this duplex does not " +
           "read: delete the directory and the index is rebuilt from the home topic";
  }
  if (!status.IsNotFound()) return open_failure(dir, status);
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  it->SeekToFirst();
  if (it->Valid()) return dir + " holds a store that is not a duplex key index";
  status = db.Put(rocksdb::WriteOptions(), codec::kFormatKey, codec::kFormat);
  if (!status.ok()) return open_failure(dir, status);
  return std::nullopt;
}

}  // namespace

IndexResult<std::unique_ptr<KeyIndex>> KeyIndex::open(const std::string& dir, size_t memory_bytes) {
  std::error_code ec;
  std::string path = std::filesystem::absolute(dir, ec).lexically_normal().string();
  if (ec) path = dir;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return IndexError("cannot create the key index directory " + path + ": " + ec.message());
  }
  size_t store_bytes = memory_bytes / 2;
  auto block_cache = rocksdb::NewLRUCache(store_bytes);
  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::Open(store_options(block_cache, store_bytes), path, &raw);
  if (!status.ok()) return IndexError(open_failure(path, status));
  std::unique_ptr<rocksdb::DB> db(raw);
  if (auto problem = check_format(*db, path)) return IndexError(*problem);
  return std::unique_ptr<KeyIndex>(
      new KeyIndex(path, std::move(db), std::move(block_cache), memory_bytes - store_bytes));
}

KeyIndex::KeyIndex(std::string dir, std::unique_ptr<rocksdb::DB> db,
                   std::shared_ptr<rocksdb::Cache> cache, size_t cache_bytes)
    : dir_(std::move(dir)),
      db_(std::move(db)),
      block_cache_(std::move(cache)),
      cache_(cache_bytes) {}

KeyIndex::~KeyIndex() {
  if (db_) db_->Close();
}

IndexError KeyIndex::failure(const std::string& what, const std::string& status) const {
  return IndexError("key index in " + dir_ + ": " + what + ": " + status);
}

IndexResult<std::optional<IndexEntry>> KeyIndex::get(std::string_view topic, std::string_view key) {
  std::string id = codec::entry_key(topic, key);
  uint64_t writes_before = 0;
  {
    std::lock_guard lock(mutex_);
    if (auto cached = cache_.find(id)) return cached;
    writes_before = writes_;
  }
  std::string value;
  auto status = db_->Get(rocksdb::ReadOptions(), id, &value);
  if (status.IsNotFound()) return std::optional<IndexEntry>();
  if (!status.ok()) return failure("reading a key of " + std::string(topic), status.ToString());
  auto entry = codec::decode_entry(value);
  if (!entry) return failure("reading a key of " + std::string(topic), "corrupt entry");
  std::lock_guard lock(mutex_);
  if (writes_ == writes_before) cache_.put(id, *entry);  // else it may be older than the cache
  return entry;
}

IndexResult<std::optional<int64_t>> KeyIndex::position(std::string_view topic, int32_t partition) {
  std::string value;
  auto status = db_->Get(rocksdb::ReadOptions(), codec::position_key(topic, partition), &value);
  if (status.IsNotFound()) return std::optional<int64_t>();
  std::string what =
      "reading the position of " + std::string(topic) + "/" + std::to_string(partition);
  if (!status.ok()) return failure(what, status.ToString());
  auto next = codec::decode_position(value);
  if (!next) return failure(what, "corrupt position");
  return next;
}

IndexError KeyIndex::advance(std::string_view topic, int32_t partition, int64_t next_offset,
                             const std::vector<Update>& updates) {
  std::vector<std::string> ids;
  ids.reserve(updates.size());
  rocksdb::WriteBatch batch;
  for (const auto& update : updates) {
    ids.push_back(codec::entry_key(topic, update.key));
    batch.Put(ids.back(), codec::encode_entry(update.entry));
  }
  batch.Put(codec::position_key(topic, partition), codec::encode_position(next_offset));
  std::lock_guard lock(mutex_);
  auto status = db_->Write(rocksdb::WriteOptions(), &batch);
  if (!status.ok()) {
    return failure("writing " + std::string(topic) + "/" + std::to_string(partition),
                   status.ToString());
  }
  ++writes_;
  for (size_t i = 0; i < updates.size(); ++i) cache_.put(ids[i], updates[i].entry);
  return {};
}

IndexError KeyIndex::wipe_topic(std::string_view topic) {
  auto entries = codec::topic_range('k', topic);
  auto positions = codec::topic_range('p', topic);
  rocksdb::WriteBatch batch;
  batch.DeleteRange(entries.begin, entries.end);
  batch.DeleteRange(positions.begin, positions.end);
  std::lock_guard lock(mutex_);
  auto status = db_->Write(rocksdb::WriteOptions(), &batch);
  if (!status.ok()) return failure("wiping " + std::string(topic), status.ToString());
  ++writes_;
  cache_.erase_prefix(entries.begin);
  return {};
}

KeyIndex::Stats KeyIndex::stats() {
  Stats stats;
  {
    std::lock_guard lock(mutex_);
    stats.cache_bytes = cache_.bytes();
    stats.cached_entries = cache_.entries();
  }
  stats.store_bytes = block_cache_->GetUsage();
  db_->GetIntProperty("rocksdb.estimate-num-keys", &stats.stored_keys);
  return stats;
}

}  // namespace duplex::conflict
