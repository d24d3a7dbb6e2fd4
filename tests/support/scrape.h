#pragma once

#include <map>
#include <string>

namespace duplex::testing {

// A bare HTTP/1.1 GET to 127.0.0.1:port; the whole response, or "" when nothing answers.
std::string http_get(int port, const std::string& path);

// The body of an HTTP response.
std::string body_of(const std::string& response);

// The sum of the samples of metric `name` whose labels include `labels` (Prometheus text format).
// Tests parse the format fully elsewhere with Prometheus' own parser; this only reads values.
double metric_sum(const std::string& exposition, const std::string& name,
                  const std::map<std::string, std::string>& labels = {});

}  // namespace duplex::testing
