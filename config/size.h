#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace duplex::config {

// Parses "512KiB", "64MiB", "1GiB", "4096B" (a whole number and a unit) into bytes. nullopt
// when malformed or past 1 TiB.
std::optional<uint64_t> parse_size(std::string_view text);

// The shortest text parse_size reads back as `bytes`: "64MiB", "1536KiB", "100B".
std::string size_text(uint64_t bytes);

}  // namespace duplex::config
