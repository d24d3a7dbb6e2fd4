#pragma once

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "conflict/index_entry.h"

namespace duplex::conflict {

// The key index's entries most recently used, within a bound in bytes: past it, the least
// recently used go (the store still has them). Bytes are estimated as the heap the cache takes:
// each entry's list node, hash node, strings beyond the inline buffer, allocator rounding, and
// the hash table's buckets. Not thread-safe (KeyIndex locks around it).
class EntryCache {
 public:
  explicit EntryCache(size_t capacity_bytes);

  // The entry of `id` (made the most recent), or nullopt.
  std::optional<IndexEntry> find(std::string_view id);
  // Inserts or replaces, then evicts down to the bound (a lone entry over it is not kept).
  void put(std::string_view id, const IndexEntry& entry);
  void erase_prefix(std::string_view prefix);  // every id that starts with it

  size_t bytes() const;
  size_t entries() const { return by_id_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  struct Node {
    std::string id;
    IndexEntry entry;
  };
  using Lru = std::list<Node>;  // front: most recent

  static size_t node_bytes(const Node& node);
  void erase(Lru::iterator it);

  size_t capacity_;
  size_t node_bytes_ = 0;  // the sum of node_bytes() over lru_
  Lru lru_;
  std::unordered_map<std::string_view, Lru::iterator> by_id_;  // views into lru_'s ids
};

}  // namespace duplex::conflict
