#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "kafka/handles.h"
#include "replicator/source.h"

namespace duplex::replicator {

// duplex.dlq, on the target cluster: records that could not be written to their target topic
// (errors.oversized: skip). Its records keep the source record's key, value, timestamp and
// the copy's headers, plus the duplex.dlq.* headers below; a record too large for duplex.dlq
// as well keeps only its timestamp and the duplex.dlq.* headers (metadata only).
inline constexpr std::string_view kDeadLetterTopic = "duplex.dlq";
inline constexpr std::string_view kDeadLetterReason = "duplex.dlq.reason";      // e.g. oversized
inline constexpr std::string_view kDeadLetterDetail = "duplex.dlq.detail";      // sizes and limit
inline constexpr std::string_view kDeadLetterTopicHeader = "duplex.dlq.topic";  // source topic
inline constexpr std::string_view kDeadLetterPartition = "duplex.dlq.partition";
inline constexpr std::string_view kDeadLetterOffset = "duplex.dlq.offset";  // source offset
// "true" when key, value and the record's own headers were left out (too large for the DLQ).
inline constexpr std::string_view kDeadLetterMetadataOnly = "duplex.dlq.metadata-only";

// The bytes a record takes in a record batch (format v2) of its own: what a broker compares
// with max.message.bytes, and at least what librdkafka compares with message.max.bytes.
size_t batch_bytes(size_t key_len, size_t value_len, const rd_kafka_headers_t* headers);

// The headers of `record`'s dead letter: `copy_headers` (the copy's, unless `metadata_only`)
// and the duplex.dlq.* ones.
kafka::HeadersPtr dead_letter_headers(const SourceRecord& record,
                                      const rd_kafka_headers_t* copy_headers,
                                      std::string_view reason, const std::string& detail,
                                      bool metadata_only);

}  // namespace duplex::replicator
