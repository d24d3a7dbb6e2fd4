#include "conflict/entry_cache.h"

#include <algorithm>

namespace duplex::conflict {
namespace {

// What malloc spends on a request of n bytes: glibc adds an 8-byte header, rounds to 16 and
// never hands out less than 32 (jemalloc's size classes come out about the same).
size_t allocation(size_t n) {
  return std::max<size_t>(32, (n + 8 + 15) / 16 * 16);
}

// A string's heap beyond its inline buffer (libstdc++ keeps 15 chars inline).
size_t heap_of(const std::string& s) {
  return s.capacity() > 15 ? allocation(s.capacity() + 1) : 0;
}

// libstdc++'s nodes: a list node holds two links and the value; a hash node a link, the value
// and the cached hash.
constexpr size_t kListNode = 2 * sizeof(void*);
constexpr size_t kHashNode =
    sizeof(void*) + sizeof(std::pair<const std::string_view, void*>) + sizeof(size_t);

}  // namespace

EntryCache::EntryCache(size_t capacity_bytes) : capacity_(capacity_bytes) {}

size_t EntryCache::node_bytes(const Node& node) {
  return allocation(kListNode + sizeof(Node)) + heap_of(node.id) + heap_of(node.entry.origin) +
         allocation(kHashNode);
}

size_t EntryCache::bytes() const {
  return node_bytes_ + by_id_.bucket_count() * sizeof(void*);
}

std::optional<IndexEntry> EntryCache::find(std::string_view id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->entry;
}

void EntryCache::put(std::string_view id, const IndexEntry& entry) {
  if (auto it = by_id_.find(id); it != by_id_.end()) {
    node_bytes_ -= node_bytes(*it->second);
    it->second->entry = entry;
    node_bytes_ += node_bytes(*it->second);
    lru_.splice(lru_.begin(), lru_, it->second);
  } else {
    lru_.push_front(Node{std::string(id), entry});
    by_id_.emplace(lru_.front().id, lru_.begin());
    node_bytes_ += node_bytes(lru_.front());
  }
  while (!lru_.empty() && bytes() > capacity_) erase(std::prev(lru_.end()));
}

void EntryCache::erase_prefix(std::string_view prefix) {
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (std::string_view(it->id).substr(0, prefix.size()) == prefix) erase(it);
    it = next;
  }
}

void EntryCache::erase(Lru::iterator it) {
  node_bytes_ -= node_bytes(*it);
  by_id_.erase(it->id);
  lru_.erase(it);
}

}  // namespace duplex::conflict
