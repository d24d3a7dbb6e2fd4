#include "conflict/key_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace duplex::conflict {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

IndexEntry entry(int64_t timestamp, int64_t offset, bool tombstone = false) {
  return {{timestamp, 1}, offset, tombstone, "east", static_cast<uint64_t>(offset) * 31};
}

std::string key_of(int i) {
  char key[17];
  snprintf(key, sizeof key, "key-%012d", i);  // 16 bytes
  return key;
}

class KeyIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "duplex-index-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<KeyIndex> open(size_t memory = 8 << 20) {
    auto result = KeyIndex::open(dir_ + "/index", memory);
    if (auto* error = std::get_if<IndexError>(&result)) {
      ADD_FAILURE() << error->message();
      return nullptr;
    }
    return std::move(std::get<std::unique_ptr<KeyIndex>>(result));
  }

  static std::optional<IndexEntry> get(KeyIndex& index, std::string_view topic,
                                       std::string_view key) {
    auto result = index.get(topic, key);
    if (auto* error = std::get_if<IndexError>(&result)) ADD_FAILURE() << error->message();
    return std::get<std::optional<IndexEntry>>(result);
  }

  static std::optional<int64_t> position(KeyIndex& index, std::string_view topic, int32_t p) {
    auto result = index.position(topic, p);
    if (auto* error = std::get_if<IndexError>(&result)) ADD_FAILURE() << error->message();
    return std::get<std::optional<int64_t>>(result);
  }

  std::string open_error(const std::string& dir) {
    auto result = KeyIndex::open(dir, 8 << 20);
    if (!std::holds_alternative<IndexError>(result)) return "(opened)";
    return std::get<IndexError>(result).message();
  }

  std::string dir_;
};

TEST_F(KeyIndexTest, FindsWhatWasWrittenPerTopicAndKey) {
  auto index = open();
  ASSERT_TRUE(index);
  EXPECT_EQ(get(*index, "orders", "k1"), std::nullopt);
  EXPECT_EQ(position(*index, "orders", 0), std::nullopt);
  ASSERT_FALSE(index->advance("orders", 3, 11, {{"k1", entry(100, 10)}}));
  EXPECT_EQ(get(*index, "orders", "k1"), entry(100, 10));
  EXPECT_EQ(get(*index, "orders", "k2"), std::nullopt);
  EXPECT_EQ(get(*index, "payments", "k1"), std::nullopt);
  EXPECT_EQ(position(*index, "orders", 3), 11);
  EXPECT_EQ(position(*index, "orders", 0), std::nullopt);
}

TEST_F(KeyIndexTest, ALaterUpdateOfAKeyWinsAndTombstonesAreKept) {
  auto index = open();
  ASSERT_TRUE(index);
  ASSERT_FALSE(index->advance("t", 0, 3, {{"k", entry(1, 0)}, {"k", entry(2, 2, true)}}));
  EXPECT_EQ(get(*index, "t", "k"), entry(2, 2, true));
  ASSERT_FALSE(index->advance("t", 0, 4, {}));  // a record that changed nothing
  EXPECT_EQ(position(*index, "t", 0), 4);
}

TEST_F(KeyIndexTest, ReopenKeepsEntriesAndPositions) {
  {
    auto index = open();
    ASSERT_TRUE(index);
    ASSERT_FALSE(
        index->advance("t", 0, 6, {{"a", entry(5, 5)}, {std::string("\0b", 2), entry(4, 4)}}));
    ASSERT_FALSE(index->advance("t", 1, 2, {{"c", entry(1, 1, true)}}));
  }
  auto index = open();
  ASSERT_TRUE(index);
  EXPECT_EQ(get(*index, "t", "a"), entry(5, 5));
  EXPECT_EQ(get(*index, "t", std::string("\0b", 2)), entry(4, 4));
  EXPECT_EQ(get(*index, "t", "b"), std::nullopt);
  EXPECT_EQ(get(*index, "t", "c"), entry(1, 1, true));
  EXPECT_EQ(position(*index, "t", 0), 6);
  EXPECT_EQ(position(*index, "t", 1), 2);
}

TEST_F(KeyIndexTest, ADeletedDirectoryIsAnEmptyIndex) {
  {
    auto index = open();
    ASSERT_TRUE(index);
    ASSERT_FALSE(index->advance("t", 0, 1, {{"a", entry(5, 0)}}));
  }
  fs::remove_all(dir_ + "/index");
  auto index = open();
  ASSERT_TRUE(index);
  EXPECT_EQ(get(*index, "t", "a"), std::nullopt);
  EXPECT_EQ(position(*index, "t", 0), std::nullopt);
}

TEST_F(KeyIndexTest, WipingATopicForgetsOnlyThatTopic) {
  auto index = open();
  ASSERT_TRUE(index);
  ASSERT_FALSE(index->advance("orders", 0, 1, {{"a", entry(5, 0)}}));
  ASSERT_FALSE(index->advance("orders2", 0, 9, {{"a", entry(6, 8)}}));
  ASSERT_FALSE(index->wipe_topic("orders"));
  EXPECT_EQ(get(*index, "orders", "a"), std::nullopt);
  EXPECT_EQ(position(*index, "orders", 0), std::nullopt);
  EXPECT_EQ(get(*index, "orders2", "a"), entry(6, 8));
  EXPECT_EQ(position(*index, "orders2", 0), 9);
}

// Far more keys than fit in memory: the cache stays within its half of the bound, RocksDB's
// block cache and memtables within theirs, and every key is still found.
TEST_F(KeyIndexTest, MemoryBoundHoldsAndEvictedEntriesAreStillFound) {
  const size_t memory = 1 << 20;
  auto index = open(memory);
  ASSERT_TRUE(index);
  const int keys = 100000;
  for (int batch = 0; batch < keys / 1000; ++batch) {
    std::vector<KeyIndex::Update> updates;
    for (int i = batch * 1000; i < (batch + 1) * 1000; ++i)
      updates.push_back({key_of(i), entry(i, i)});
    ASSERT_FALSE(index->advance("t", 0, (batch + 1) * 1000, updates));
    auto stats = index->stats();
    ASSERT_LE(stats.cache_bytes, memory / 2);
    ASSERT_LE(stats.store_bytes, memory / 2 + (256 << 10)) << "batch " << batch;
  }
  auto stats = index->stats();
  EXPECT_LT(stats.cached_entries, 5000u);
  EXPECT_GT(stats.stored_keys, keys / 2u);
  for (int i = 0; i < keys; ++i) ASSERT_EQ(get(*index, "t", key_of(i)), entry(i, i)) << i;
  EXPECT_LE(index->stats().cache_bytes, memory / 2);
}

// A process killed while it writes leaves, after a restart, the entries of exactly the records
// before its position: never a position ahead of them, never an entry past it.
TEST_F(KeyIndexTest, EntryAndPositionSurviveKill9Together) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto result = KeyIndex::open(dir_ + "/index", 8 << 20);
    if (!std::holds_alternative<std::unique_ptr<KeyIndex>>(result)) _exit(3);
    auto& index = *std::get<std::unique_ptr<KeyIndex>>(result);
    for (int i = 0;; ++i) {
      if (index.advance("t", 0, i + 1, {{key_of(i), entry(i, i)}})) _exit(4);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer ended by itself: " << status;
  auto index = open();
  ASSERT_TRUE(index);
  auto next = position(*index, "t", 0);
  ASSERT_TRUE(next);
  ASSERT_GT(*next, 0);
  for (int i = 0; i < *next; ++i) ASSERT_EQ(get(*index, "t", key_of(i)), entry(i, i)) << i;
  EXPECT_EQ(get(*index, "t", key_of(static_cast<int>(*next))), std::nullopt);
}

// A reader racing a writer never sees a key go back to an older version, even while the key
// keeps falling out of a tiny cache (a read from the store must not cache a stale entry).
TEST_F(KeyIndexTest, ReadsRacingWritesNeverGoBack) {
  auto index = open(64 << 10);
  ASSERT_TRUE(index);
  std::atomic<bool> done = false;
  std::thread writer([&] {
    for (int i = 1; i <= 3000; ++i) {
      std::vector<KeyIndex::Update> updates{{"hot", entry(i, i)}};
      for (int j = 0; j < 20; ++j) updates.push_back({key_of(i * 20 + j), entry(i, j)});
      if (index->advance("t", 0, i, updates)) break;
    }
    done = true;
  });
  int64_t seen = 0;
  while (!done) {
    auto hot = get(*index, "t", "hot");
    if (!hot) continue;
    ASSERT_GE(hot->version.timestamp, seen);
    seen = hot->version.timestamp;
  }
  writer.join();
  EXPECT_EQ(get(*index, "t", "hot")->version.timestamp, 3000);
}

TEST_F(KeyIndexTest, OpenFailuresNameTheDirectory) {
  std::string file = dir_ + "/a-file";
  std::ofstream(file) << "x";
  EXPECT_THAT(open_error(file), HasSubstr(file));

  auto index = open();
  ASSERT_TRUE(index);
  EXPECT_THAT(open_error(dir_ + "/index"),
              HasSubstr("cannot open the key index in " + dir_ + "/index"));
  index.reset();

  // The manifest (the list of the store's files) overwritten with garbage.
  std::string current;
  std::getline(std::ifstream(dir_ + "/index/CURRENT"), current);
  std::ofstream(dir_ + "/index/" + current, std::ios::trunc) << std::string(4096, '\x5a');
  std::string message = open_error(dir_ + "/index");
  EXPECT_THAT(message, HasSubstr("the key index in " + dir_ + "/index is corrupt"));
  EXPECT_THAT(message, HasSubstr("delete the directory and the index is rebuilt"));
}

}  // namespace
}  // namespace duplex::conflict
