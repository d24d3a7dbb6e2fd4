#pragma once

#include <librdkafka/rdkafka.h>

#include <optional>
#include <string_view>

namespace duplex::kafka {

// A consumed message's headers (owned by it), or null without any.
inline const rd_kafka_headers_t* message_headers(rd_kafka_message_t* message) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return nullptr;
  return headers;
}

// The last value of header `name` (an empty view for a null value), or nullopt without it.
inline std::optional<std::string_view> header_value(const rd_kafka_headers_t* headers,
                                                    std::string_view name) {
  const void* value = nullptr;
  size_t size = 0;
  if (headers &&
      rd_kafka_header_get_last(headers, name.data(), &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::string_view(value ? static_cast<const char*>(value) : "", size);
  }
  return std::nullopt;
}

// Calls f(name, value) for each header in order; a null value is nullopt.
template <class F>
void for_each_header(const rd_kafka_headers_t* headers, F f) {
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0; headers && !rd_kafka_header_get_all(headers, i, &name, &value, &size); ++i) {
    f(std::string_view(name), value ? std::optional<std::string_view>(
                                          std::string_view(static_cast<const char*>(value), size))
                                    : std::nullopt);
  }
}

}  // namespace duplex::kafka
