#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace duplex::config {

// Parses "250ms", "5s", "2m", "1h" (a whole number and a unit). nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace duplex::config
