#pragma once

#include <string>
#include <string_view>

#include "config/config.h"

namespace duplex::config {

// True for properties whose values are secrets: *password*, *secret*, sasl.*, private keys.
bool is_secret_property(std::string_view key);

// The effective config as YAML with every secret value replaced by "[redacted]".
std::string dump_redacted(const Config& config);

}  // namespace duplex::config
