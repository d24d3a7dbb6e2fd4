#pragma once

#include "config/config.h"

namespace duplex::app {

// Sends spdlog's default logger to stderr as text or one JSON object per line.
void setup_logging(const std::string& level, config::LogFormat format);

}  // namespace duplex::app
