#include "conflict/index_codec.h"

#include <gtest/gtest.h>

namespace duplex::conflict::index_codec {
namespace {

using namespace std::string_literals;

TEST(IndexCodec, EntryRoundTrips) {
  IndexEntry entry{{-5, 2}, 123456789012, true, "us-east", 0xfeedfacecafebeefull};
  EXPECT_EQ(decode_entry(encode_entry(entry)), entry);
  IndexEntry plain{{1700000000000, 0}, 0, false, "", 0};
  EXPECT_EQ(decode_entry(encode_entry(plain)), plain);
}

TEST(IndexCodec, CorruptValuesAreRefused) {
  auto bytes = encode_entry({{1, 1}, 1, false, "east", 1});
  EXPECT_FALSE(decode_entry(bytes.substr(0, 10)));
  EXPECT_FALSE(decode_entry("\x07" + bytes.substr(1)));
  EXPECT_FALSE(decode_position("\x01\x02"));
  EXPECT_EQ(decode_position(encode_position(42)), 42);
}

// Full key bytes, \0 included: two keys never share an entry.
TEST(IndexCodec, KeysKeepEveryByte) {
  EXPECT_NE(entry_key("t", "a\0b"s), entry_key("t", "a\0c"s));
  EXPECT_EQ(entry_key("t", "a\0b"s), "k/t\0a\0b"s);
}

TEST(IndexCodec, TopicRangeHoldsOnlyThatTopic) {
  auto range = topic_range('k', "orders");
  auto inside = [&](const std::string& key) { return key >= range.begin && key < range.end; };
  EXPECT_TRUE(inside(entry_key("orders", "")));
  EXPECT_TRUE(inside(entry_key("orders", "\xff\xff"s)));
  EXPECT_FALSE(inside(entry_key("orders2", "a")));
  EXPECT_FALSE(inside(entry_key("order", "sa")));
  EXPECT_FALSE(inside(position_key("orders", 0)));
  auto positions = topic_range('p', "orders");
  EXPECT_TRUE(position_key("orders", 7) >= positions.begin &&
              position_key("orders", 7) < positions.end);
}

TEST(IndexCodec, PositionsSortByPartition) {
  EXPECT_LT(position_key("t", 1), position_key("t", 2));
  EXPECT_LT(position_key("t", 255), position_key("t", 256));
}

}  // namespace
}  // namespace duplex::conflict::index_codec
