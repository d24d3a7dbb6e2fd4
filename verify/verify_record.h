#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace duplex::verify {

// What `duplex verify` keeps of a record it read: enough to compare a source record with its
// copy, never the payload itself.
struct VerifyRecord {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string> origin;  // the last duplex.origin header; nullopt without one
  bool repair = false;                // it carries duplex.repair (never copied)
  std::optional<std::string> key;     // for last-writer-wins topics' versions
  // Key, value, timestamp and the user headers in order, leaving out duplex.origin (duplex
  // stamps it on copies of records without one: the origin is compared on its own).
  uint64_t digest = 0;
  size_t bytes = 0;  // key, value and header bytes: what --rate counts
};

VerifyRecord summarize(const rd_kafka_message_t& message);

// The digest of a record's content (VerifyRecord::digest), for records built by hand (tests).
//
// FNV-1a taken 8 bytes at a step (conflict::ContentDigest takes one byte, and its digests are
// stored in the key index, so it stays as it is): a third of verify's time went to hashing
// values byte by byte. Each step is a bijection of the state, so two inputs of the same shape
// that differ in one word always differ in their digest. Length-prefixed fields; a null field
// hashes apart from an empty one.
class RecordDigest {
 public:
  RecordDigest(std::optional<std::string_view> key, std::optional<std::string_view> value,
               int64_t timestamp);
  // Headers in their order; duplex.origin is left out.
  void header(std::string_view name, std::optional<std::string_view> value);
  uint64_t digest() const { return hash_; }

 private:
  void word(uint64_t w) { hash_ = (hash_ ^ w) * 1099511628211ull; }
  void field(std::optional<std::string_view> bytes);

  uint64_t hash_ = 14695981039346656037ull;  // FNV-1a 64 offset basis
};

}  // namespace duplex::verify
