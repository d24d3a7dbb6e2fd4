#include "conflict/entry_cache.h"

#include <gtest/gtest.h>

namespace duplex::conflict {
namespace {

using namespace std::string_literals;

IndexEntry entry(int64_t offset) {
  IndexEntry e;
  e.version = {offset, 0};
  e.offset = offset;
  e.origin = "east";
  return e;
}

TEST(EntryCache, FindsWhatWasPut) {
  EntryCache cache(1 << 20);
  cache.put("a", entry(1));
  cache.put("b", entry(2));
  cache.put("a", entry(3));
  EXPECT_EQ(cache.find("a")->offset, 3);
  EXPECT_EQ(cache.find("b")->offset, 2);
  EXPECT_FALSE(cache.find("c"));
  EXPECT_EQ(cache.entries(), 2u);
}

TEST(EntryCache, StaysWithinItsBoundAndDropsTheLeastRecentlyUsed) {
  const size_t bound = 64 << 10;
  EntryCache cache(bound);
  cache.put("keep-me", entry(0));
  for (int i = 1; i < 10000; ++i) {
    cache.put("key-number-" + std::to_string(i), entry(i));
    ASSERT_TRUE(cache.find("keep-me")) << i;  // used, so never the least recent
    ASSERT_LE(cache.bytes(), bound);
  }
  EXPECT_GT(cache.entries(), 100u);
  EXPECT_LT(cache.entries(), 1000u);
  EXPECT_FALSE(cache.find("key-number-1"));
  EXPECT_TRUE(cache.find("key-number-9999"));
}

// About 200 bytes an entry of a 25-byte id: not the few dozen bytes of the payload alone.
TEST(EntryCache, EstimatesTheHeapHonestly) {
  EntryCache cache(1 << 30);
  for (int i = 0; i < 1000; ++i)
    cache.put("k/orders" + std::string(1, '\0') + "0123456789abcd" + std::to_string(i % 10) +
                  std::to_string(i),
              entry(i));
  double per_entry = static_cast<double>(cache.bytes()) / cache.entries();
  EXPECT_GT(per_entry, 180);
  EXPECT_LT(per_entry, 260);
}

// Room for the hash table's buckets (about 100 bytes), not for an entry besides.
TEST(EntryCache, AnEntryLargerThanTheBoundIsNotKept) {
  EntryCache cache(200);
  cache.put("a", entry(1));
  EXPECT_EQ(cache.entries(), 0u);
  EXPECT_LE(cache.bytes(), 200u);
}

TEST(EntryCache, ErasesAPrefix) {
  EntryCache cache(1 << 20);
  cache.put("k/a\0x"s, entry(1));
  cache.put("k/b\0x"s, entry(2));
  cache.erase_prefix("k/a");
  EXPECT_FALSE(cache.find("k/a\0x"s));
  EXPECT_TRUE(cache.find("k/b\0x"s));
  EXPECT_EQ(cache.entries(), 1u);
}

}  // namespace
}  // namespace duplex::conflict
