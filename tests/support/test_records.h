#pragma once

#include <chrono>
#include <thread>

#include "tests/support/record_io.h"

namespace duplex::testing {

using TestRecord = Record;

// Polls `done` every 50 ms until it returns true or `timeout` passes; returns its last answer.
template <class Predicate>
bool wait_until(Predicate done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

}  // namespace duplex::testing
