#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace duplex::config {

// The longest duration a setting takes.
inline constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours(24 * 365);

// Parses "250ms", "5s", "2m", "1h" (a whole number and a unit). nullopt when malformed or
// longer than kMaxDuration.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace duplex::config
