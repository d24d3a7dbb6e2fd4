#include "conflict/index_codec.h"

namespace duplex::conflict::index_codec {
namespace {

constexpr char kValueFormat = 1;
constexpr size_t kEntryFixed = 1 + 8 + 4 + 8 + 1 + 8;

std::string prefix(char kind, std::string_view topic, char end) {
  std::string out{kind, '/'};
  out.append(topic);
  out.push_back(end);
  return out;
}

void put_fixed(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}

uint64_t get_fixed(std::string_view& in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value |= uint64_t{static_cast<unsigned char>(in[i])} << (8 * i);
  }
  in.remove_prefix(bytes);
  return value;
}

}  // namespace

std::string entry_key(std::string_view topic, std::string_view key) {
  return prefix('k', topic, '\0').append(key);
}

std::string position_key(std::string_view topic, int32_t partition) {
  std::string out = prefix('p', topic, '\0');
  // Big-endian, so a topic's positions sort by partition.
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(uint32_t(partition) >> (8 * i)));
  return out;
}

Range topic_range(char kind, std::string_view topic) {
  return {prefix(kind, topic, '\0'), prefix(kind, topic, '\1')};
}

std::string encode_entry(const IndexEntry& entry) {
  std::string out;
  out.reserve(kEntryFixed + entry.origin.size());
  out.push_back(kValueFormat);
  put_fixed(out, static_cast<uint64_t>(entry.version.timestamp), 8);
  put_fixed(out, static_cast<uint32_t>(entry.version.rank), 4);
  put_fixed(out, static_cast<uint64_t>(entry.offset), 8);
  out.push_back(entry.tombstone ? 1 : 0);
  put_fixed(out, entry.digest, 8);
  out.append(entry.origin);
  return out;
}

std::optional<IndexEntry> decode_entry(std::string_view bytes) {
  if (bytes.size() < kEntryFixed || bytes[0] != kValueFormat) return std::nullopt;
  bytes.remove_prefix(1);
  IndexEntry entry;
  entry.version.timestamp = static_cast<int64_t>(get_fixed(bytes, 8));
  entry.version.rank = static_cast<int>(static_cast<int32_t>(get_fixed(bytes, 4)));
  entry.offset = static_cast<int64_t>(get_fixed(bytes, 8));
  if (static_cast<unsigned char>(bytes[0]) > 1) return std::nullopt;
  entry.tombstone = bytes[0] == 1;
  bytes.remove_prefix(1);
  entry.digest = get_fixed(bytes, 8);
  entry.origin = std::string(bytes);
  return entry;
}

std::string encode_position(int64_t next_offset) {
  std::string out{kValueFormat};
  put_fixed(out, static_cast<uint64_t>(next_offset), 8);
  return out;
}

std::optional<int64_t> decode_position(std::string_view bytes) {
  if (bytes.size() != 9 || bytes[0] != kValueFormat) return std::nullopt;
  bytes.remove_prefix(1);
  return static_cast<int64_t>(get_fixed(bytes, 8));
}

}  // namespace duplex::conflict::index_codec
