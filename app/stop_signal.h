#pragma once

#include <atomic>

namespace duplex::app {

// Set by SIGTERM or SIGINT once install_stop_handlers() ran: commands stop at their next step.
std::atomic<bool>& stop_requested();
void install_stop_handlers();

}  // namespace duplex::app
