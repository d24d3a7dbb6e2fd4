#pragma once

#include <string>

namespace duplex::metrics {

// A bare HTTP/1.1 GET (5 s timeout): the whole response, or "" when nothing answers.
// For duplex's own endpoint: `duplex status` and tests.
std::string http_get(const std::string& host, int port, const std::string& path);
inline std::string http_get(int port, const std::string& path) {
  return http_get("127.0.0.1", port, path);
}

// The status code of an HTTP response (200, 404, ...), or 0 when there is none.
int status_of(const std::string& response);

// The body of an HTTP response.
std::string body_of(const std::string& response);

}  // namespace duplex::metrics
