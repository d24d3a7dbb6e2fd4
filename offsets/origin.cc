#include "offsets/origin.h"

#include <cstdint>

#include "offsets/offset_records.h"

namespace duplex::offsets {

bool well_formed_origin(std::string_view value) {
  if (value.empty() || value.size() > kMaxOriginBytes) return false;
  for (size_t i = 0; i < value.size();) {
    const auto c = static_cast<unsigned char>(value[i]);
    size_t extra = 0;
    uint32_t code = c;
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;  // control characters
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1, code = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2, code = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3, code = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= value.size() && extra > 0) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(value[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    // Overlong forms, surrogates and code points past Unicode's end are not UTF-8.
    static constexpr uint32_t kSmallest[] = {0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[extra] || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

std::optional<std::string> origin_of(const rd_kafka_message_t& message) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, kOriginHeader.data(), &value, &size)) return std::nullopt;
  std::string_view origin(value ? static_cast<const char*>(value) : "", size);
  if (!well_formed_origin(origin)) return std::nullopt;
  return std::string(origin);
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
