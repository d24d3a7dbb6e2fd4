#include "replicator/dead_letter.h"

#include <cstdint>

#include "kafka/record_headers.h"

namespace duplex::replicator {
namespace {

// Bytes of a zigzag varint, as Kafka's record format writes lengths and deltas.
size_t varint_bytes(int64_t value) {
  auto zigzag = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  size_t bytes = 1;
  while (zigzag >= 0x80) {
    zigzag >>= 7;
    bytes++;
  }
  return bytes;
}

size_t field_bytes(const void* data, size_t len) {
  return data == nullptr ? varint_bytes(-1) : varint_bytes(static_cast<int64_t>(len)) + len;
}

// A record batch's own fields: base offset, length, leader epoch, magic, CRC, attributes,
// last offset delta, first and max timestamp, producer id and epoch, base sequence, count.
constexpr size_t kBatchHeaderBytes = 61;

void add(rd_kafka_headers_t* headers, std::string_view name, const std::string& value) {
  rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                      static_cast<ssize_t>(value.size()));
}

}  // namespace

size_t batch_bytes(size_t key_len, size_t value_len, const rd_kafka_headers_t* headers) {
  // attributes, timestamp delta 0, offset delta 0, key, value, header count, headers.
  size_t body = 1 + 1 + 1 + varint_bytes(static_cast<int64_t>(key_len)) + key_len +
                varint_bytes(static_cast<int64_t>(value_len)) + value_len;
  size_t count = 0;
  kafka::for_each_header(headers, [&](std::string_view name, std::optional<std::string_view> v) {
    count++;
    body += field_bytes(name.data(), name.size()) +
            (v ? field_bytes(v->data(), v->size()) : varint_bytes(-1));
  });
  body += varint_bytes(static_cast<int64_t>(count));
  return kBatchHeaderBytes + varint_bytes(static_cast<int64_t>(body)) + body;
}

kafka::HeadersPtr dead_letter_headers(const SourceRecord& record,
                                      const rd_kafka_headers_t* copy_headers,
                                      std::string_view reason, const std::string& detail,
                                      bool metadata_only) {
  kafka::HeadersPtr headers(copy_headers && !metadata_only ? rd_kafka_headers_copy(copy_headers)
                                                           : rd_kafka_headers_new(6));
  add(headers.get(), kDeadLetterReason, std::string(reason));
  add(headers.get(), kDeadLetterDetail, detail);
  add(headers.get(), kDeadLetterTopicHeader, std::string(record.topic));
  add(headers.get(), kDeadLetterPartition, std::to_string(record.partition));
  add(headers.get(), kDeadLetterOffset, std::to_string(record.offset));
  if (metadata_only) add(headers.get(), kDeadLetterMetadataOnly, "true");
  return headers;
}

}  // namespace duplex::replicator
