#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "conflict/content_digest.h"

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
class RecordDigest {
 public:
  RecordDigest(std::optional<std::string_view> key, std::optional<std::string_view> value,
               int64_t timestamp);
  // Headers in their order; duplex.origin is left out (and duplex.repair, as ContentDigest does).
  void header(std::string_view name, std::optional<std::string_view> value);
  uint64_t digest() const { return digest_.digest(); }

 private:
  conflict::ContentDigest digest_;
};

}  // namespace duplex::verify
