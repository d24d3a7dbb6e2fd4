#include "verify/verify_record.h"

#include <cstring>

#include "kafka/record_headers.h"
#include "offsets/offset_records.h"

namespace duplex::verify {
namespace {

std::optional<std::string_view> bytes_of(const void* data, size_t size) {
  if (!data) return std::nullopt;
  return std::string_view(static_cast<const char*>(data), size);
}

}  // namespace

RecordDigest::RecordDigest(std::optional<std::string_view> key,
                           std::optional<std::string_view> value, int64_t timestamp) {
  field(key);
  field(value);
  word(static_cast<uint64_t>(timestamp));
}

void RecordDigest::field(std::optional<std::string_view> bytes) {
  word(bytes ? bytes->size() : ~uint64_t{0});
  if (!bytes) return;
  size_t i = 0;
  for (; i + 8 <= bytes->size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, bytes->data() + i, 8);
    word(w);
  }
  if (i < bytes->size()) {
    uint64_t tail = 0;
    std::memcpy(&tail, bytes->data() + i, bytes->size() - i);
    word(tail);
  }
}

void RecordDigest::header(std::string_view name, std::optional<std::string_view> value) {
  if (name == offsets::kOriginHeader) return;
  field(name);
  field(value);
}

VerifyRecord summarize(const rd_kafka_message_t& message) {
  VerifyRecord record;
  record.offset = message.offset;
  rd_kafka_timestamp_type_t type;
  record.timestamp = rd_kafka_message_timestamp(&message, &type);
  auto key = bytes_of(message.key, message.key_len);
  auto value = bytes_of(message.payload, message.len);
  if (key) record.key = std::string(*key);
  RecordDigest digest(key, value, record.timestamp);
  record.bytes = message.key_len + message.len;
  const auto* headers = kafka::message_headers(const_cast<rd_kafka_message_t*>(&message));
  kafka::for_each_header(headers, [&](std::string_view name, std::optional<std::string_view> v) {
    record.bytes += name.size() + (v ? v->size() : 0);
    if (name == offsets::kOriginHeader) {
      record.origin = v ? std::string(*v) : std::string();
    } else if (name == offsets::kRepairHeader) {
      record.repair = true;
    }
    digest.header(name, v);
  });
  record.digest = digest.digest();
  return record;
}

}  // namespace duplex::verify
