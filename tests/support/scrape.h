#pragma once

#include <string>

namespace duplex::testing {

// A bare HTTP/1.1 GET to 127.0.0.1:port; the whole response, or "" when nothing answers.
std::string http_get(int port, const std::string& path);

// The body of an HTTP response.
std::string body_of(const std::string& response);

}  // namespace duplex::testing
