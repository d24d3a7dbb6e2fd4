#include "verify/verify_record.h"

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
  digest_.value(key);
  digest_.value(value);
  digest_.value(std::to_string(timestamp));
}

void RecordDigest::header(std::string_view name, std::optional<std::string_view> value) {
  if (name != offsets::kOriginHeader) digest_.header(name, value);
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
