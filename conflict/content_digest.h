#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace duplex::conflict {

// A 64-bit digest of a record's value, then its headers in order, leaving out `duplex.repair`:
// a repair digests like the record it copies. FNV-1a over length-prefixed fields, so it is the
// same on every machine and across restarts (digests are stored in the key index).
class ContentDigest {
 public:
  static constexpr std::string_view kRepairHeader = "duplex.repair";

  void value(std::optional<std::string_view> value);  // nullopt: a tombstone
  void header(std::string_view name, std::optional<std::string_view> value);
  uint64_t digest() const { return hash_; }

 private:
  void field(std::optional<std::string_view> bytes);

  uint64_t hash_ = 14695981039346656037ull;  // FNV-1a 64 offset basis
};

}  // namespace duplex::conflict
