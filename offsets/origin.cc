#include "offsets/origin.h"

#include "offsets/offset_records.h"

namespace duplex::offsets {

std::optional<std::string> origin_of(const rd_kafka_message_t& message) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, kOriginHeader.data(), &value, &size)) return std::nullopt;
  return std::string(static_cast<const char*>(value), size);
}

bool is_repair(const rd_kafka_message_t& message) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
  const void* value = nullptr;
  size_t size = 0;
  return rd_kafka_header_get_last(headers, kRepairHeader.data(), &value, &size) ==
         RD_KAFKA_RESP_ERR_NO_ERROR;
}

}  // namespace duplex::offsets
