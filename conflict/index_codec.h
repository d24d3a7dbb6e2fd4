#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "conflict/index_entry.h"

// The key index's layout in its store (RocksDB). Keys:
//   k/<topic>\0<key bytes>       -> entry   (the full key: a hash could collide and skip a copy)
//   p/<topic>\0<partition, BE32> -> position (next offset of the home topic to read)
//   m/format                     -> the layout's version
// A topic name never holds \0, so "<x>/<topic>\0" .. "<x>/<topic>\1" spans exactly one topic.
// Values start with a format byte; integers are little-endian.
namespace duplex::conflict::index_codec {

inline constexpr std::string_view kFormatKey = "m/format";
inline constexpr std::string_view kFormat = "1";

std::string entry_key(std::string_view topic, std::string_view key);
std::string position_key(std::string_view topic, int32_t partition);

// [begin, end) of every entry (kind 'k') or position (kind 'p') of a topic.
struct Range {
  std::string begin;
  std::string end;
};
Range topic_range(char kind, std::string_view topic);

std::string encode_entry(const IndexEntry& entry);
std::optional<IndexEntry> decode_entry(std::string_view bytes);  // nullopt: not an entry

std::string encode_position(int64_t next_offset);
std::optional<int64_t> decode_position(std::string_view bytes);

}  // namespace duplex::conflict::index_codec
